"""The role guide's tables, written from the assembled role table (core.roles.role_specs()), so the guide in
docs/roles/README.md cannot drift from the code: `karpear roles_table --write` refreshes them and a test fails
when they are out of date."""

from __future__ import annotations

from pathlib import Path

from django.apps import apps
from django.utils import translation

from karpear.core.roles import Role, Scope, capabilities, role_specs

START, END = "<!-- roles-table:start -->", "<!-- roles-table:end -->"
ABBREVIATIONS = {
    Role.CASEWORKER: "CW",
    Role.CASE_SUPERVISOR: "CS",
    Role.LEGAL_OFFICER: "LO",
    Role.PROGRAMME_OFFICER: "PO",
    Role.FIELD_OFFICER: "FO",
    Role.HOTLINE_OFFICER: "HO",
    Role.SHELTER_STAFF: "SH",
    Role.VOLUNTEER: "VOL",
    Role.ME_OFFICER: "ME",
    Role.PROGRAMME_MANAGER: "PM",
    Role.ORG_ADMIN: "OA",
    Role.SYSTEM_ADMIN: "SA",
}


def table(*, include_test_apps: bool = False) -> str:
    """Markdown: one column per role, a row for the scope, the second step and each capability (with the app
    that declares it); a capability reaching another scope than the role's shows that scope."""
    specs = role_specs()
    roles = list(Role)
    with translation.override("en"):
        legend = ", ".join(f"{role.label} ({ABBREVIATIONS[role]})" for role in roles)
    lines = [
        START,
        f"✓ = the role has the capability; a scope instead of ✓ = it reaches that far for this one. Columns: {legend}.",
        "",
        "| | " + " | ".join(ABBREVIATIONS[role] for role in roles) + " |",
        "|---|" + ":-:|" * len(roles),
        "| **Scope** (which records) | " + " | ".join(str(specs[role].scope) for role in roles) + " |",
        "| **Second step at login** (TOTP) | "
        + " | ".join("yes" if specs[role].needs_two_factor else "" for role in roles)
        + " |",
    ]
    shown = {
        name: info
        for name, info in capabilities().items()
        if include_test_apps or not apps.get_app_config(info.app_label).name.startswith("karpear.core.tests")
    }
    for name, info in sorted(shown.items(), key=lambda item: (item[1].app_label != "core", item[1].app_label)):
        cells = []
        for role in roles:
            spec = specs[role]
            if name not in spec.capabilities:
                cells.append("")
            elif spec.scope_for(name) != spec.scope and spec.scope_for(name) != Scope.NONE:
                cells.append(str(spec.scope_for(name)))
            else:
                cells.append("✓")
        app = "" if info.app_label == "core" else f" ({info.app_label})"
        lines.append(f"| `{name}`{app} | " + " | ".join(cells) + " |")
    lines.append(END)
    return "\n".join(lines)


def refreshed(text: str) -> str:
    """`text` with the part between the markers replaced by today's table."""
    before, _sep, rest = text.partition(START)
    _old, _sep, after = rest.partition(END)
    return before + table() + after


def guide_path() -> Path:
    return Path(__file__).resolve().parents[2] / "docs" / "roles" / "README.md"

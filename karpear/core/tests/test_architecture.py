"""House rules that a reader could miss, checked on the source (STYLE §3c, DESIGN §3)."""

from __future__ import annotations

import ast
from pathlib import Path

from django.apps import apps

from karpear.core.models import OrgOwned

ROOT = Path(__file__).resolve().parents[2]
# Organisation-owned models, and those whose rows belong to an organisation through a person or membership.
OWNED = {m.__name__ for m in apps.get_models() if issubclass(m, OrgOwned)} | {
    "Identity",
    "Membership",
    "AuditEvent",
    "AccessShare",
    "Team",
    "CaseSequence",
}


def _view_and_api_modules() -> list[Path]:
    found = []
    for path in ROOT.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        if path.name.startswith("views") or path.name in ("api.py", "forms.py") or path.parent.name == "templatetags":
            found.append(path)
    return found


def _direct_queries(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    hits = []
    for node in ast.walk(tree):
        # Model.objects / Model._default_manager on an organisation-owned model
        if (
            isinstance(node, ast.Attribute)
            and node.attr in ("objects", "_default_manager", "_base_manager")
            and isinstance(node.value, ast.Name)
            and node.value.id in OWNED
        ):
            where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name
            hits.append(f"{where}:{node.lineno} {node.value.id}.{node.attr}")
    return hits


def test_owned_models_list_is_not_empty() -> None:
    assert {"Person", "Household", "Programme", "SubGrant", "Consent", "ExportJob"} <= OWNED


def test_views_and_api_do_not_query_organisation_owned_models_directly() -> None:
    """Views and the API go through core.access and selectors, never Model.objects."""
    modules = _view_and_api_modules()
    assert any(p.name == "views.py" for p in modules) and any(p.name == "api.py" for p in modules)
    hits = [hit for path in modules for hit in _direct_queries(path)]
    assert hits == []


def test_the_check_catches_a_direct_query(tmp_path: Path) -> None:
    offender = tmp_path / "views.py"
    offender.write_text("from karpear.core.models import Person\n\ndef v(r):\n    return Person.objects.all()\n")
    assert _direct_queries(offender) == ["views.py:4 Person.objects"]


def test_no_template_or_static_file_loads_from_another_origin() -> None:
    """No CDN: deployments sit on slow links; everything is served by us (DESIGN §2)."""
    offenders = []
    for path in list(ROOT.rglob("*.html")) + list(ROOT.rglob("*.css")):
        text = path.read_text(encoding="utf-8")
        markers = ("http://", "https://", "//cdn", "fonts.googleapis")
        offenders.extend(f"{path.relative_to(ROOT)}: {m}" for m in markers if m in text)
    assert offenders == []

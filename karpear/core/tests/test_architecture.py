"""House rules that a reader could miss, checked on the source of every app (STYLE §3c, DESIGN §3)."""

from __future__ import annotations

import ast
from pathlib import Path

from django.apps import apps

from karpear.core import access

ROOT = Path(__file__).resolve().parents[2]  # the karpear package


def _karpear_models() -> list[type]:
    return [m for m in apps.get_models() if m.__module__.startswith("karpear.")]


def _owned() -> set[str]:
    """Every model of every Karpear app except the reference data every member may read (places,
    organisations): those rows are reached only through core.access and the selectors."""
    public = {decl.model.__name__ for decl in access.declarations().values() if decl.public}
    return {m.__name__ for m in _karpear_models()} - public


def _is_view_or_api(path: Path) -> bool:
    parts = path.relative_to(ROOT).parts
    if "tests" in parts or "migrations" in parts:
        return False
    name = path.name
    return (
        name.startswith(("views", "api", "forms"))
        or name in ("serializers.py", "urls.py")
        or any(part in ("views", "api", "templatetags", "serializers", "forms") for part in parts[:-1])
    )


def _view_and_api_modules() -> list[Path]:
    return sorted(p for p in ROOT.rglob("*.py") if _is_view_or_api(p))


def _direct_queries(path: Path, owned: set[str]) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    hits = []
    for node in ast.walk(tree):
        # Model.objects / Model._default_manager on a model whose rows core.access scopes
        if (
            isinstance(node, ast.Attribute)
            and node.attr in ("objects", "_default_manager", "_base_manager")
            and isinstance(node.value, ast.Name)
            and node.value.id in owned
        ):
            where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name
            hits.append(f"{where}:{node.lineno} {node.value.id}.{node.attr}")
    return hits


def test_owned_models_cover_every_karpear_model_but_reference_data() -> None:
    owned = _owned()
    assert {"Person", "Identity", "Household", "Programme", "Consent", "ExportJob", "Referral", "AuditEvent"} <= owned
    assert {"Province", "Village", "Organisation"}.isdisjoint(owned)


def test_every_karpear_model_is_declared_to_core_access_or_reached_only_through_one() -> None:
    """A model holding organisation data is registered with core.access (or is a part of one that is:
    listed here with the reason), so no app forgets to scope its rows."""
    core_parts = {
        "Team": "read through selectors.team_list of the membership's organisation",
        "User": "users are reached through memberships",
        "BudgetLine": "a part of a sub-grant, read with it",
        "CaseSequence": "a counter, never read by pages",
        "AuditEvent": "read by selectors that check view_access_log themselves",
        "AuditChainHead": "internal to core.audit",
        "ReferredSection": "a part of a referral, read with it",
        "ApiToken": "found by its key in core.tokens; a user lists their own in selectors",
        "RateCounter": "internal to core.ratelimit",
        "IdempotencyRecord": "internal to core.idempotency, always looked up by the acting user",
        "WorkerHeartbeat": "internal to the task worker (core.worker)",
    }
    declared = {decl.model for decl in access.declarations().values()}
    undeclared = sorted(
        m._meta.label
        for m in _karpear_models()
        if m not in declared
        and not m.__name__.startswith("Historical")  # django-simple-history's copies, never read by pages
        and not (m._meta.app_label == "core" and m.__name__ in core_parts)
    )
    assert undeclared == []


def test_views_and_api_do_not_query_organisation_data_directly() -> None:
    """Views, the API, serializers, forms and template tags of every app go through core.access and
    selectors, never Model.objects."""
    modules = _view_and_api_modules()
    assert any(p.name == "views.py" for p in modules) and any(p.name == "api.py" for p in modules)
    owned = _owned()
    hits = [hit for path in modules for hit in _direct_queries(path, owned)]
    assert hits == []


def test_the_check_catches_a_direct_query(tmp_path: Path) -> None:
    offender = tmp_path / "views.py"
    offender.write_text("from karpear.core.models import Person\n\ndef v(r):\n    return Person.objects.all()\n")
    assert _direct_queries(offender, _owned()) == ["views.py:4 Person.objects"]


def test_the_check_covers_view_and_api_packages() -> None:
    for relative in ("shelter/views/cases.py", "shelter/api/serializers.py", "shelter/serializers.py", "x/forms.py"):
        assert _is_view_or_api(ROOT / relative), relative
    for relative in ("shelter/services.py", "shelter/tests/test_views.py", "shelter/migrations/0001.py"):
        assert not _is_view_or_api(ROOT / relative), relative


def test_no_template_or_static_file_loads_from_another_origin() -> None:
    """No CDN: deployments sit on slow links; everything is served by us (DESIGN §2)."""
    offenders = []
    for path in list(ROOT.rglob("*.html")) + list(ROOT.rglob("*.css")):
        text = path.read_text(encoding="utf-8")
        markers = ("http://", "https://", "//cdn", "fonts.googleapis")
        offenders.extend(f"{path.relative_to(ROOT)}: {m}" for m in markers if m in text)
    assert offenders == []


def test_the_through_contract_catches_an_import_past_services_and_selectors(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The import-linter contract type that holds the app rules finds a module importing another's models."""
    import grimp

    from karpear.core.tests.importlinter_contracts import ThroughContract

    package = tmp_path / "fakeapps"
    for sub in ("protection", "justice"):
        (package / sub).mkdir(parents=True)
        (package / sub / "__init__.py").write_text("")
    (package / "__init__.py").write_text("")
    (package / "protection" / "models.py").write_text("X = 1\n")
    (package / "protection" / "selectors.py").write_text("Y = 1\n")
    (package / "justice" / "views.py").write_text(
        "from fakeapps.protection import selectors\nfrom fakeapps.protection.models import X\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    graph = grimp.build_graph("fakeapps", cache_dir=None)
    contract = ThroughContract(
        name="t",
        session_options={},
        contract_options={
            "packages": ["fakeapps.protection", "fakeapps.justice", "fakeapps.outreach"],
            "through": ["services", "selectors"],
        },
    )
    check = contract.check(graph, verbose=False)
    assert not check.kept
    assert [(b["importer"], b["imported"]) for b in check.metadata["broken"]] == [
        ("fakeapps.justice.views", "fakeapps.protection.models")
    ]

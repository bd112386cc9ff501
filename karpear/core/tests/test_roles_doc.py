"""The role guide is written from the role table the apps assemble, and names every role in Khmer as shown."""

from __future__ import annotations

from django.utils import translation

from karpear.core import roles_doc
from karpear.core.roles import Role


def test_the_role_guides_table_is_the_role_table_of_the_code() -> None:
    text = roles_doc.guide_path().read_text(encoding="utf-8")
    assert roles_doc.table() in text, "docs/roles/README.md is out of date: run `karpear roles_table --write`"


def test_every_role_is_listed_in_the_guide_with_its_khmer_name() -> None:
    text = roles_doc.guide_path().read_text(encoding="utf-8")
    for role in Role:
        with translation.override("km"):
            khmer = str(role.label)
        with translation.override("en"):
            english = str(role.label)
        assert f"| `{role.value}` | {english} | {khmer} |" in text, role.value


def test_the_table_shows_a_capability_that_reaches_another_scope() -> None:
    """The test-only sample module's M&E officer reaches only their own visits, though their role's scope is the
    organisation: the row says "own" in that column (test-only apps stay out of the guide itself)."""
    row = next(line for line in roles_doc.table(include_test_apps=True).splitlines() if "`sample_view_visit`" in line)
    cells = [cell.strip() for cell in row.strip("|").split("|")][1:]
    columns = [roles_doc.ABBREVIATIONS[role] for role in Role]
    by_role = dict(zip(columns, cells, strict=True))
    assert by_role["CW"] == "✓" and by_role["CS"] == "✓" and by_role["ME"] == "own" and by_role["PO"] == ""
    assert "sample_view_visit" not in roles_doc.table()

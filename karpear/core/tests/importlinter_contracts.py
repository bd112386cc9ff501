"""An import-linter contract type for Karpear's app rules (DESIGN §3), tolerant of apps that do not exist yet.

`through`: code in the `importers` packages may import the `packages` (other than itself) only through the
listed submodules (`through`, e.g. services and selectors); an empty `through` forbids any import. A package
that is not installed yet is simply skipped, so the contract is written once, before the apps arrive.
Registered in pyproject.toml (`contract_types`).
"""

from __future__ import annotations

from typing import Any

from grimp import ImportGraph
from importlinter.application import output
from importlinter.domain import fields
from importlinter.domain.contract import Contract, ContractCheck


class ThroughContract(Contract):
    type_name = "through"

    packages = fields.ListField(subfield=fields.StringField())
    importers = fields.ListField(subfield=fields.StringField(), required=False)
    through = fields.ListField(subfield=fields.StringField(), required=False)

    def check(self, graph: ImportGraph, verbose: bool) -> ContractCheck:
        targets = [p for p in self.packages if p in graph.modules]  # type: ignore[attr-defined]
        importers = [p for p in (self.importers or self.packages) if p in graph.modules]  # type: ignore[attr-defined]
        allowed = set(self.through or [])  # type: ignore[arg-type]
        broken: list[dict[str, Any]] = []
        for importer in importers:
            sources = {importer, *graph.find_descendants(importer)}
            for target in targets:
                if target == importer:
                    continue
                for imported in sorted({target, *graph.find_descendants(target)}):
                    rest = imported[len(target) + 1 :].split(".")[0] if imported != target else ""
                    if rest in allowed:
                        continue
                    for source in sorted(sources):
                        if graph.direct_import_exists(importer=source, imported=imported):
                            details = graph.get_import_details(importer=source, imported=imported)
                            line = details[0]["line_number"] if details else 0
                            broken.append({"importer": source, "imported": imported, "line": line})
        return ContractCheck(kept=not broken, metadata={"broken": broken})

    def render_broken_contract(self, check: ContractCheck) -> None:
        allowed = ", ".join(self.through or []) or "nothing"  # type: ignore[arg-type]
        for item in check.metadata["broken"]:
            output.print_error(
                f"{item['importer']} (l.{item['line']}) imports {item['imported']}: only {allowed} may be imported"
            )
            output.new_line()

"""The score of the last `make mutation` run and every survivor, with its diff (scripts/mutation.sh).

Reads mutmut's results in mutants/. A survivor (a mutant no selected test failed on, or that no selected test
reaches) is "explained" when docs/testing.md names it as equivalent; the exit status is 1 when any is not.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FILES = ["karpear/core/access.py", "karpear/core/audit.py"]
KILLED = {1, 3, 37}  # a failing test, an error in the tests' run, the type checker
TIMEOUT = {24, -24, 36, 152, 255}  # the tests did not end in time: counted as killed (an endless loop is noticed)


def explained() -> set[str]:
    doc = ROOT / "docs" / "testing.md"
    text = doc.read_text(encoding="utf-8") if doc.exists() else ""
    return set(re.findall(r"`(karpear\.core\.\w+\.x\w+__mutmut_\d+)`", text))


def not_mutated(path: str) -> list[str]:
    """The lines of `path` marked `# pragma: no mutate` one by one (not the start-up blocks): lines whose mutants
    are all equivalent, each listed with its reason in docs/testing.md. mutmut makes no mutant of them."""
    lines = (ROOT / path).read_text(encoding="utf-8").splitlines()
    marked = [
        f"  {number}: {line.strip()}"
        for number, line in enumerate(lines, 1)
        if "pragma: no mutate" in line and "no mutate block" not in line
    ]
    return marked


def main() -> int:
    equivalent = explained()
    unexplained: list[str] = []
    total = Counter[str]()
    for path in FILES:
        meta = ROOT / "mutants" / f"{path}.meta"
        if not meta.exists():
            print(f"{path}: no results (run `make mutation`)")
            return 2
        codes: dict[str, int | None] = json.loads(meta.read_text())["exit_code_by_key"]
        counts = Counter[str]()
        survivors: list[tuple[str, str]] = []
        for name, code in sorted(codes.items(), key=lambda kv: (kv[0].rsplit("_", 1)[0], int(kv[0].rsplit("_", 1)[1]))):
            if code in KILLED or code in TIMEOUT:
                counts["killed"] += 1
            elif code is None:
                counts["not run"] += 1
            else:
                status = {0: "survived", 5: "no tests", 33: "no tests"}.get(code, f"suspicious (exit {code})")
                counts[status] += 1
                survivors.append((name, status))
        tested = sum(counts.values()) - counts["not run"]
        score = 100 * counts["killed"] / tested if tested else 0.0
        print(
            f"\n{path}: {counts['killed']} of {tested} mutants killed ({score:.1f} %); "
            + ", ".join(f"{n} {s}" for s, n in sorted(counts.items()) if s != "killed")
        )
        marked = not_mutated(path)
        if marked:
            print(f"{len(marked)} line(s) not mutated, their mutants equivalent (docs/testing.md):")
            print("\n".join(marked))
        for name, status in survivors:
            mark = "equivalent (docs/testing.md)" if name in equivalent else "UNEXPLAINED"
            if name not in equivalent:
                unexplained.append(name)
            print(f"\n--- {name}: {status}, {mark}")
            diff = subprocess.run(  # noqa: S603  # our own mutmut, with a mutant name it listed
                [str(ROOT / ".venv" / "bin" / "mutmut"), "show", name], cwd=ROOT, capture_output=True, text=True
            )
            lines = diff.stdout.splitlines()[1:]
            print("\n".join(line for line in lines if line[:1] in "+-" and line[:3] not in ("+++", "---")))
        total.update(counts)
    tested = sum(total.values()) - total["not run"]
    print(
        f"\nmutation score: {total['killed']} of {tested} killed ({100 * total['killed'] / max(tested, 1):.1f} %); "
        f"{len(unexplained)} survivor(s) not explained in docs/testing.md"
    )
    return 1 if unexplained else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env bash
# Mutation testing of the access policy and the audit log (`make mutation`, docs/testing.md): mutmut changes
# karpear/core/access.py and karpear/core/audit.py one small edit at a time ([tool.mutmut] in pyproject.toml)
# and runs, for each mutant, the selected tests that reach the changed function. A mutant no test notices is a
# bug the suite would let through. Prints the score and every survivor; exits non-zero when a survivor is not
# listed in docs/testing.md as equivalent.
#
# MUTATION_KEEP=true keeps mutants/ from the last run (mutmut then tests only what changed); by default each
# run starts afresh. MUTATION_CHILDREN (default 2) mutants are tested at once. KARPEAR_MUTATION_MATRIX=all runs
# every route of the access matrix (by default one per kind of object and read / write: scripts/mutation_pytest.py).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
# The template and its copies live in memory when the machine has /dev/shm (SQLite writes there cost less).
work=$(mktemp -d -p "$( [ -d /dev/shm ] && echo /dev/shm || echo "${TMPDIR:-/tmp}")")
trap 'rm -rf "$work"' EXIT
# One migrated database; each mutant's test process starts from a copy of it (scripts/mutation_pytest.py).
KARPEAR_TESTING=true DATABASE_URL="sqlite:///$work/template.sqlite3" $BIN/python manage.py migrate -v0
export KARPEAR_MUTATION_TEMPLATE_DB="$work/template.sqlite3"
[ "${MUTATION_KEEP:-false}" = "true" ] || rm -rf mutants
start=$(date +%s)
# mutmut redraws a progress line many times a second; only its last state is worth keeping in a log.
$BIN/mutmut run --max-children "${MUTATION_CHILDREN:-2}" | tr '\r' '\n' | grep -v '^\s*[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]' || true
echo "mutmut ran for $(( ($(date +%s) - start) / 60 )) min (wall time)"
# CPU time: of this script (first line) and of everything it waited for (second: the template's migration,
# mutmut and every mutant's process). On a busy machine the wall time says little; CPU time / 2 is about
# what the mutants take on two idle cores (docs/testing.md, "Scores").
echo "CPU time (user, system):"
times
$BIN/python scripts/mutation_report.py

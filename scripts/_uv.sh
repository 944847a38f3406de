# Sourced by scripts/run and scripts/test: finds (or installs) uv and syncs the locked
# environment into .venv. Needs only python3 (3.11+) and access to PyPI.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
UV_VERSION="0.13.9"
if command -v uv >/dev/null 2>&1; then
  UV="$(command -v uv)"
else
  if [ ! -x "$ROOT/.tools/bin/uv" ]; then
    echo "installing uv $UV_VERSION into .tools/ ..." >&2
    python3 -m venv "$ROOT/.tools"
    "$ROOT/.tools/bin/pip" install --quiet --disable-pip-version-check "uv==$UV_VERSION"
  fi
  UV="$ROOT/.tools/bin/uv"
fi
export UV_PYTHON_DOWNLOADS=never
"$UV" sync --frozen --quiet

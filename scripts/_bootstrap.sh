# Sourced by scripts/run and scripts/test: a virtual environment in .venv with the project
# installed. Needs Python >= 3.11 with venv (Debian/Ubuntu: apt install python3-venv).
PYTHON=${PYTHON:-python3}
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "hafennetz needs Python 3.11 or newer ($PYTHON is $("$PYTHON" --version 2>&1))." >&2
  exit 1
fi
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv || { echo "Creating .venv failed: install python3-venv." >&2; exit 1; }
fi
stamp=.venv/.installed-$(cat pyproject.toml | sha256sum | cut -c1-16)-${HAFENNETZ_EXTRAS:-none}
if [ ! -f "$stamp" ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e ".${HAFENNETZ_EXTRAS:+[$HAFENNETZ_EXTRAS]}"
  rm -f .venv/.installed-*
  touch "$stamp"
fi
export PATH="$PWD/.venv/bin:$PATH"

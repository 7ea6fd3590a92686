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

pango_missing() { ! ldconfig -p 2>/dev/null | grep -q libpango-1.0; }

# Install Debian/Ubuntu packages when missing: as root with apt-get; otherwise say how (and
# fail under CI=true, where every part must be there).
ensure_system_packages() {
  [ $# -gt 0 ] || return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "Installing $* (apt-get) ..."
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
  elif [ "${CI:-}" = true ]; then
    echo "Missing system packages: $*" >&2; exit 1
  else
    echo "Note: $* missing; install with: sudo apt-get install $*" >&2
  fi
}

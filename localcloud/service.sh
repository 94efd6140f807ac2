#!/usr/bin/env bash
# Stops or starts ONE service of a running stack, keeping the others up (outage tests).
# Usage: localcloud/service.sh DIR stop|start bigquery
# Only local-bigquery can come back with its state: its tables live in DIR/bq, while the Pub/Sub
# emulator and fake-gcs (memory backend) would come back empty, so they can be stopped only.
set -euo pipefail
# shellcheck source=localcloud/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ $# -eq 3 ]] || die "usage: $0 STATE_DIR stop|start SERVICE"
state="$(cd "$1" && pwd)"
action="$2"
service="$3"
[[ -s "$state/env" ]] || die "no running stack in $state"
# shellcheck source=/dev/null
source "$state/env"
# shellcheck source=/dev/null
source "$LOCALCLOUD_HOME/paths.env"

pid_of() {
    awk -v n="$1" '$1 == n { p = $2 } END { print p }' "$state/pids"
}

case "$action" in
stop)
    pid="$(pid_of "$service")"
    [[ "$pid" =~ ^[0-9]+$ ]] || die "no $service in $state/pids"
    kill -TERM -- "-$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do
        kill -0 -- "-$pid" 2>/dev/null || exit 0
        sleep 0.1
    done
    kill -KILL -- "-$pid" 2>/dev/null || true
    ;;
start)
    [[ "$service" == "bigquery" ]] || die "only bigquery can be restarted with its state"
    pid="$(pid_of bigquery)"
    if [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null; then
        die "bigquery is still running (pid $pid)"
    fi
    STORAGE_EMULATOR_HOST="$STORAGE_EMULATOR_HOST" setsid "$LOCAL_BIGQUERY_BIN" serve \
        --host 127.0.0.1 --port "$BIGQUERY_PORT" --grpc-port "$BIGQUERY_GRPC_PORT" \
        --project "$LOCALCLOUD_PROJECT" --data-dir "$state/bq" >>"$state/bigquery.log" 2>&1 </dev/null &
    echo "bigquery $!" >>"$state/pids"
    for _ in $(seq 1 600); do
        if curl -fsS -o /dev/null --max-time 2 \
            "$BIGQUERY_ENDPOINT/bigquery/v2/projects/$LOCALCLOUD_PROJECT/datasets" 2>/dev/null; then
            exit 0
        fi
        sleep 0.2
    done
    die "bigquery did not come back (log: $state/bigquery.log)"
    ;;
*) die "unknown action $action" ;;
esac

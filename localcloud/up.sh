#!/usr/bin/env bash
# Starts the local cloud on 127.0.0.1 with free ports: Pub/Sub emulator, fake-gcs-server
# (publishing every finalize to the Pub/Sub emulator) and local-bigquery (reading gs:// from
# fake-gcs). Writes DIR/env (shell) and DIR/env.json, logs to DIR/*.log, PIDs to DIR/pids.
# Each emulator runs in its own process group; localcloud/down.sh DIR stops them.
# Usage: localcloud/up.sh DIR
# Settings (environment): LOCALCLOUD_PROJECT (default starvit-local),
#   LOCALCLOUD_GCS_TOPIC (default gcs-finalize), LOCALCLOUD_TIMEOUT (seconds per service, 90),
#   LOCALCLOUD_DBT=1 (also start the dbt shim, localcloud/bigquery_dbt_shim.py),
#   LOCALCLOUD_OWNER_PID (optional: a watchdog runs down.sh once that process is gone, so a
#   test that aborts, e.g. on a stack overflow, still stops its stack).
set -euo pipefail
# shellcheck source=localcloud/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ $# -eq 1 ]] || die "usage: $0 STATE_DIR"
mkdir -p "$1"
state="$(cd "$1" && pwd)"
project="${LOCALCLOUD_PROJECT:-starvit-local}"
topic="${LOCALCLOUD_GCS_TOPIC:-gcs-finalize}"
timeout="${LOCALCLOUD_TIMEOUT:-90}"

[[ -f "$LOCALCLOUD_HOME/paths.env" ]] || die "not installed: run localcloud/install.sh first"
# shellcheck source=/dev/null
source "$LOCALCLOUD_HOME/paths.env"

if [[ -s "$state/pids" ]]; then
    while read -r _name pid; do
        if kill -0 "$pid" 2>/dev/null; then
            die "a stack is already running in $state (pid $pid): run localcloud/down.sh $state"
        fi
    done <"$state/pids"
fi
rm -f "$state/pids" "$state/env" "$state/env.json" "$state/watchdog.pid"
mkdir -p "$state/bq"

# Any failure from here on stops whatever was started.
trap '"$LOCALCLOUD_DIR/down.sh" "$state" >/dev/null 2>&1 || true' ERR
started=$SECONDS

# Four distinct free ports, chosen by the kernel. They are released before the services bind
# them, so a parallel process could take one in between: rare, and up.sh then fails loudly.
read -r port_pubsub port_gcs port_bq port_bq_grpc port_fhir < <("$VENV_BIGQUERY/bin/python" -c '
import socket
socks = [socket.socket() for _ in range(5)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in socks))
')

# start NAME LOG CMD...: runs CMD in a new session (its own process group, pgid = pid).
start() {
    local name="$1" logfile="$2"
    shift 2
    setsid "$@" >"$logfile" 2>&1 </dev/null &
    echo "$name $!" >>"$state/pids"
    echo $!
}

# wait_http NAME PID URL: polls URL until it answers 2xx, the process dies, or the timeout.
wait_http() {
    local name="$1" pid="$2" url="$3" deadline=$((SECONDS + timeout))
    until curl -fsS -o /dev/null --max-time 2 "$url" 2>/dev/null; do
        if ! kill -0 "$pid" 2>/dev/null; then
            tail -n 20 "$state/$name.log" >&2 || true
            die "$name exited during start-up (log: $state/$name.log)"
        fi
        if ((SECONDS >= deadline)); then
            tail -n 20 "$state/$name.log" >&2 || true
            die "$name did not answer $url within ${timeout}s (log: $state/$name.log)"
        fi
        sleep 0.2
    done
}

pid_pubsub="$(start pubsub "$state/pubsub.log" \
    "$PUBSUB_EMULATOR_LAUNCHER" --host=127.0.0.1 --port="$port_pubsub")"
wait_http pubsub "$pid_pubsub" "http://127.0.0.1:$port_pubsub/v1/projects/$project/topics"

# fake-gcs publishes finalize events to this topic: it must exist first.
curl -fsS -o /dev/null -X PUT "http://127.0.0.1:$port_pubsub/v1/projects/$project/topics/$topic"

pid_gcs="$(PUBSUB_EMULATOR_HOST="127.0.0.1:$port_pubsub" start gcs "$state/gcs.log" \
    "$FAKE_GCS_BIN" -scheme http -host 127.0.0.1 -port "$port_gcs" -backend memory \
    -external-url "http://127.0.0.1:$port_gcs" -public-host "127.0.0.1:$port_gcs" \
    -event.pubsub-project-id "$project" -event.pubsub-topic "$topic" -event.list finalize)"
wait_http gcs "$pid_gcs" "http://127.0.0.1:$port_gcs/storage/v1/b"

# local-bigquery reads gs:// through DuckDB's httpfs; the host:port here must equal
# fake-gcs' -public-host or path-style reads get 404.
pid_bq="$(STORAGE_EMULATOR_HOST="http://127.0.0.1:$port_gcs" start bigquery "$state/bigquery.log" \
    "$LOCAL_BIGQUERY_BIN" serve --host 127.0.0.1 --port "$port_bq" --grpc-port "$port_bq_grpc" \
    --project "$project" --data-dir "$state/bq")"
wait_http bigquery "$pid_bq" "http://127.0.0.1:$port_bq/bigquery/v2/projects/$project/datasets"

# Optional (LOCALCLOUD_DBT=1): the dbt shim, a loopback proxy in front of local-bigquery that fills
# in the destinationTable local-bigquery leaves out of CREATE TABLE AS SELECT jobs (see README).
dbt_env=""
if [[ "${LOCALCLOUD_DBT:-0}" == 1 ]]; then
    port_dbt="$("$VENV_BIGQUERY/bin/python" -c '
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
')"
    pid_dbt="$(start bigquery-dbt "$state/bigquery-dbt.log" "$VENV_BIGQUERY/bin/python" \
        "$LOCALCLOUD_DIR/bigquery_dbt_shim.py" --listen "127.0.0.1:$port_dbt" \
        --upstream "http://127.0.0.1:$port_bq")"
    wait_http bigquery-dbt "$pid_dbt" "http://127.0.0.1:$port_dbt/bigquery/v2/projects/$project/datasets"
    dbt_env="BIGQUERY_DBT_ENDPOINT='http://127.0.0.1:$port_dbt'
BIGQUERY_DBT_PID=$pid_dbt"
fi

# Optional (LOCALCLOUD_FHIR=1): a FHIR R4 server with Bulk Data $export (sekmet-fhir).
fhir_env=""
if [[ "${LOCALCLOUD_FHIR:-0}" == 1 ]]; then
    mkdir -p "$state/fhir"
    # Auth as production: OAuth2 client credentials for bulk-export (a fresh secret per stack),
    # HTTP Basic for the test harness that seeds the server.
    fhir_secret="$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
    fhir_seed_password="$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
    cat >"$state/fhir/settings.yaml" <<EOF
base_url: http://127.0.0.1:$port_fhir/fhir
host: 127.0.0.1
port: $port_fhir
data_dir: $state/fhir/data
validation:
  inbound: "off"
simulator:
  enabled: false
  delay_seconds: 0
log_inbound: false
server_auth:
  types: ["basic", "smart"]
  users:
    seed: "$fhir_seed_password"
  smart_clients:
    - client_id: starvit-bulk-export
      client_secret: "$fhir_secret"
      scopes: "system/*.read"
EOF
    chmod 600 "$state/fhir/settings.yaml"
    pid_fhir="$(start fhir "$state/fhir.log" "$(sekmet_binary)" serve -c "$state/fhir/settings.yaml")"
    wait_http fhir "$pid_fhir" "http://127.0.0.1:$port_fhir/fhir/metadata"
    fhir_env="FHIR_BASE_URL='http://127.0.0.1:$port_fhir/fhir'
FHIR_TOKEN_URL='http://127.0.0.1:$port_fhir/auth/token'
FHIR_CLIENT_ID='starvit-bulk-export'
FHIR_CLIENT_SECRET='$fhir_secret'
FHIR_SEED_USER='seed'
FHIR_SEED_PASSWORD='$fhir_seed_password'
FHIR_PID=$pid_fhir"
fi

cat >"$state/env" <<EOF
# Written by localcloud/up.sh; source it. Stop with: localcloud/down.sh $state
LOCALCLOUD_STATE_DIR='$state'
LOCALCLOUD_PROJECT='$project'
LOCALCLOUD_GCS_TOPIC='$topic'
PUBSUB_PORT=$port_pubsub
PUBSUB_EMULATOR_HOST='127.0.0.1:$port_pubsub'
PUBSUB_ENDPOINT='http://127.0.0.1:$port_pubsub'
PUBSUB_PID=$pid_pubsub
GCS_PORT=$port_gcs
STORAGE_EMULATOR_HOST='http://127.0.0.1:$port_gcs'
GCS_ENDPOINT='http://127.0.0.1:$port_gcs'
GCS_PID=$pid_gcs
BIGQUERY_PORT=$port_bq
BIGQUERY_GRPC_PORT=$port_bq_grpc
BIGQUERY_ENDPOINT='http://127.0.0.1:$port_bq'
BIGQUERY_PID=$pid_bq
$fhir_env
$dbt_env
EOF
cat >"$state/env.json" <<EOF
{
  "state_dir": "$state",
  "project": "$project",
  "gcs_topic": "$topic",
  "pubsub": {"port": $port_pubsub, "endpoint": "http://127.0.0.1:$port_pubsub", "emulator_host": "127.0.0.1:$port_pubsub", "pid": $pid_pubsub},
  "gcs": {"port": $port_gcs, "endpoint": "http://127.0.0.1:$port_gcs", "pid": $pid_gcs},
  "bigquery": {"port": $port_bq, "grpc_port": $port_bq_grpc, "endpoint": "http://127.0.0.1:$port_bq", "pid": $pid_bq}
}
EOF
if [[ -n "${LOCALCLOUD_OWNER_PID:-}" ]]; then
    owner="$LOCALCLOUD_OWNER_PID"
    # shellcheck disable=SC2016 # expanded by the inner bash
    setsid bash -c 'while kill -0 "$1" 2>/dev/null; do sleep 1; done; exec "$2" "$3"' \
        watchdog "$owner" "$LOCALCLOUD_DIR/down.sh" "$state" >/dev/null 2>&1 </dev/null &
    echo $! >"$state/watchdog.pid"
fi
trap - ERR
log "up in $((SECONDS - started)) s: pubsub :$port_pubsub, gcs :$port_gcs, bigquery :$port_bq (grpc :$port_bq_grpc); env in $state/env"

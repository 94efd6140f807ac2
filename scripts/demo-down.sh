#!/usr/bin/env bash
# make demo-down: stops what `make demo KEEP=1` left running, by the PIDs it recorded in
# target/demo/keep/: the demo process (SIGTERM: it stops its functions, the local Eventarc and
# the emulators), then, if it did not, the function processes and the emulators (localcloud/down.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
keep_dir=target/demo/keep
if [[ ! -s "$keep_dir/demo.pid" ]]; then
    echo "demo-down: nothing to stop (no $keep_dir/demo.pid)"
    exit 0
fi
pid="$(cat "$keep_dir/demo.pid")"
# Only a process that is the kept demo (PIDs get reused).
is_ours() {
    [[ "$1" =~ ^[0-9]+$ ]] && kill -0 "$1" 2>/dev/null && [[ "$(ps -o args= -p "$1")" == *"$2"* ]]
}
if is_ours "$pid" "target/debug/demo --keep"; then
    kill -TERM "$pid"
    for _ in $(seq 1 300); do
        is_ours "$pid" "target/debug/demo --keep" || break
        sleep 0.1
    done
fi
if is_ours "$pid" "target/debug/demo --keep"; then
    kill -KILL "$pid" 2>/dev/null || true
fi
# What the demo did not stop itself (it was killed): functions by PID, emulators by state dir.
if [[ -s "$keep_dir/pids" ]]; then
    while read -r name fpid; do
        if is_ours "$fpid" "target/debug/fn-"; then
            kill -TERM "$fpid" 2>/dev/null || true
            echo "demo-down: stopped $name (pid $fpid)"
        fi
    done <"$keep_dir/pids"
fi
if [[ -s "$keep_dir/stack_dir" && -d "$(cat "$keep_dir/stack_dir")" ]]; then
    localcloud/down.sh "$(cat "$keep_dir/stack_dir")"
fi
rm -f "$keep_dir/demo.pid" "$keep_dir/ready" "$keep_dir/pids" "$keep_dir/stack_dir"
echo "demo-down: the kept demo (pid $pid) and everything it ran are stopped"

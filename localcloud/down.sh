#!/usr/bin/env bash
# Stops the emulators that localcloud/up.sh DIR started: TERM to each process group recorded in
# DIR/pids, KILL after 10 s. Safe to call twice, and on a half-started stack.
# Usage: localcloud/down.sh DIR
set -euo pipefail

[[ $# -eq 1 ]] || {
    echo "usage: $0 STATE_DIR" >&2
    exit 2
}
pids_file="$1/pids"
watchdog_file="$1/watchdog.pid"

# The watchdog up.sh may have started (LOCALCLOUD_OWNER_PID). When it is the one running
# this script (it execs down.sh), its pid is ours: leave it.
stop_watchdog() {
    local pid
    [[ -s "$watchdog_file" ]] || return 0
    pid="$(cat "$watchdog_file")"
    if [[ "$pid" =~ ^[0-9]+$ && "$pid" != "$$" ]] && kill -0 "$pid" 2>/dev/null; then
        kill -TERM -- "-$pid" 2>/dev/null || true
    fi
    rm -f "$watchdog_file"
}

if [[ ! -s "$pids_file" ]]; then
    stop_watchdog
    exit 0
fi

# Each service was started with setsid, so its pid is also its process group id.
# Only signal a group whose leader is still alive, so a stale file never hits a stranger
# after pid reuse... as long as down.sh runs soon after the stack stopped.
groups=()
while read -r name pid; do
    [[ "$pid" =~ ^[0-9]+$ ]] || continue
    if kill -0 "$pid" 2>/dev/null && [[ "$(ps -o pgid= -p "$pid" | tr -d ' ')" == "$pid" ]]; then
        kill -TERM -- "-$pid" 2>/dev/null || true
        groups+=("$pid")
    fi
    : "$name"
done <"$pids_file"

deadline=$((SECONDS + 10))
for pid in "${groups[@]}"; do
    while kill -0 -- "-$pid" 2>/dev/null; do
        if ((SECONDS >= deadline)); then
            kill -KILL -- "-$pid" 2>/dev/null || true
            break
        fi
        sleep 0.1
    done
done
mv -f "$pids_file" "$pids_file.stopped"
stop_watchdog

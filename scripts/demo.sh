#!/usr/bin/env bash
# make demo: builds the workspace, then runs the whole chain on local emulators (tests/src/bin/demo.rs).
# KEEP=1 (make demo KEEP=1): the stack stays up after the run, in the background; the demo prints
# commands that work against it, and `make demo-down` (scripts/demo-down.sh) stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v cargo >/dev/null || { echo "demo: cargo (Rust 1.95) is required: https://rustup.rs" >&2; exit 1; }
keep_dir=target/demo/keep
if [[ -s "$keep_dir/demo.pid" ]] && kill -0 "$(cat "$keep_dir/demo.pid")" 2>/dev/null; then
    echo "demo: a demo kept with KEEP=1 is still running (pid $(cat "$keep_dir/demo.pid")): make demo-down first" >&2
    exit 1
fi
echo "==> build (first run compiles the workspace; later runs are incremental)" >&2
cargo build --locked -p starvit-e2e --bins
if [[ "${KEEP:-0}" != 1 ]]; then
    exec target/debug/demo "$@"
fi
# In its own session, so it outlives this script (and make); it writes $keep_dir/ready once the
# commands are printed. Ctrl-C before that stops it.
setsid target/debug/demo --keep "$@" </dev/null &
pid=$!
trap 'kill -TERM "$pid" 2>/dev/null || true; wait "$pid"; exit 130' INT TERM
while kill -0 "$pid" 2>/dev/null; do
    if [[ -f "$keep_dir/ready" ]]; then
        exit 0
    fi
    sleep 0.5
done
wait "$pid"

#!/usr/bin/env bash
# make demo: builds the workspace, then runs the whole chain on local emulators (tests/src/bin/demo.rs).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v cargo >/dev/null || { echo "demo: cargo (Rust 1.95) is required: https://rustup.rs" >&2; exit 1; }
echo "==> build (first run compiles the workspace; later runs are incremental)" >&2
cargo build --locked -p starvit-e2e --bins
exec target/debug/demo "$@"

#!/usr/bin/env bash
# Installs the pinned Debian `chromium` (the headless browser that renders target/demo/report.html
# in the report test) and prints the path of its binary. Idempotent: when the pinned version is
# installed it only prints the path. Needs root or sudo for apt-get (CI and the dev machines run as
# root). Exit 1 with a message on stderr when it cannot install; the test skips then, unless CI=true.
# Usage: scripts/chromium.sh
set -euo pipefail

# Debian bookworm (main), which changes only at a point release (bookworm-security carries newer
# builds and replaces them often, so it is not pinned). A point release drops it: bump the pin.
CHROMIUM_VERSION="${STARVIT_CHROMIUM_VERSION:-150.0.7871.100-1~deb12u1}"

die() {
    echo "chromium.sh: $*" >&2
    exit 1
}

installed="$(dpkg-query -W -f='${Version}' chromium 2>/dev/null || true)"
if [[ "$installed" != "$CHROMIUM_VERSION" ]]; then
    command -v apt-get >/dev/null 2>&1 || die "apt-get not found: install chromium $CHROMIUM_VERSION by hand"
    sudo=()
    if [[ "$(id -u)" != 0 ]]; then
        command -v sudo >/dev/null 2>&1 || die "not root and no sudo: cannot apt-get install chromium"
        sudo=(sudo -n)
    fi
    echo "chromium.sh: installing chromium=$CHROMIUM_VERSION (apt-get)" >&2
    export DEBIAN_FRONTEND=noninteractive
    "${sudo[@]}" apt-get update -qq >&2 || die "apt-get update failed"
    "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
        "chromium=$CHROMIUM_VERSION" "chromium-common=$CHROMIUM_VERSION" >&2 ||
        die "apt-get install chromium=$CHROMIUM_VERSION failed (is the pin still on the mirror?)"
fi
command -v chromium || die "chromium $CHROMIUM_VERSION is installed but not on PATH"

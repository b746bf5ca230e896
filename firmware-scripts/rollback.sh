#!/usr/bin/env bash
# Switches back to the release that was current before the last update (or to the release you
# name) and restarts the services. Running it twice returns to where you started.
#
#   sudo firmware-scripts/rollback.sh [RELEASE]
#   sudo firmware-scripts/rollback.sh --list
#
# The database stays as it is. If the newer release changed the database schema, the older one
# may refuse it: restore the backup update.sh made (in /var/lib/mpp/backups/before-update-*) with
# restore-usb.sh FILE; tickets issued since that backup are then lost.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
    sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'
    printf '\nEnvironment: MPP_ROOT, MPP_DRY_SYSTEM, MPP_PREFIX (see firmware-scripts/lib.sh).\n'
}

list_releases() {
    local dir current previous name mark
    current=$(current_release)
    previous=$(previous_release)
    for dir in "$(releases_dir)"/*/; do
        [ -f "$dir/.mpp-release" ] || continue
        name=$(basename "$dir")
        mark=""
        [ "$name" = "$current" ] && mark=" (current)"
        [ "$name" = "$previous" ] && mark=" (previous)"
        printf '%s%s\n' "$name" "$mark"
    done
}

main() {
    local target
    case "${1:-}" in
        -h | --help)
            usage
            exit 0
            ;;
        --list)
            list_releases
            exit 0
            ;;
        -*)
            usage >&2
            exit 2
            ;;
    esac
    require_root
    target="${1:-$(previous_release)}"
    [ -n "$target" ] || die "no previous release to go back to (see --list)"
    [ -f "$(releases_dir)/$target/.mpp-release" ] || die "release $target is not installed"
    install_units "$(releases_dir)/$target"
    switch_release "$target"
    restart_services
}

main "$@"

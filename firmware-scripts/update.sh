#!/usr/bin/env bash
# Installs a new release next to the running one, backs the database up, switches
# /opt/mpp/current to the new release and restarts the services. The old release stays on disk:
# rollback.sh switches back in seconds.
#
#   sudo firmware-scripts/update.sh SOURCE
#
# SOURCE is a wheel or sdist file, a source folder or git:REF (see install.sh). For a site without
# internet, bring the wheels on a USB stick: MPP_PIP_OPTS="--no-index --find-links /media/usb/wheels".
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
    sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'
    cat <<'TXT'

Environment: MPP_ROOT, MPP_DRY_SYSTEM, MPP_PREFIX, MPP_STATE, MPP_PIP_OPTS, MPP_RELEASE,
MPP_BIN (the mpp used for the pre-update backup) - see firmware-scripts/lib.sh and install.sh.
TXT
}

main() {
    case "${1:-}" in
        -h | --help)
            usage
            exit 0
            ;;
        "" | -*)
            usage >&2
            exit 2
            ;;
    esac
    require_root
    local old name db backup
    old=$(current_release)
    [ -n "$old" ] || die "nothing installed yet: run install.sh first"
    name=$(install_release "$1")
    if [ "$name" = "$old" ]; then
        log "release $name is already current: nothing to do"
        return 0
    fi
    db=$(database_path)
    if [ -f "$(rooted "$db")" ]; then
        backup="$MPP_STATE/backups/before-update-$old-$(date +%Y%m%d-%H%M%S).db"
        log "backing up the database to $backup"
        run_mpp backup "$(rooted "$backup")" >&2 || die "backup failed: not updating"
    fi
    install_units "$(releases_dir)/$name"
    switch_release "$name"
    restart_services
    log "updated $old -> $name (rollback: firmware-scripts/rollback.sh)"
}

main "$@"

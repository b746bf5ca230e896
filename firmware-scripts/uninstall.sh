#!/usr/bin/env bash
# Removes the MPP software: services, units, udev rule, the `mpp` command, releases under
# /opt/mpp and the system settings install.sh added. Your data (/var/lib/mpp: database, backups,
# receipts) and configuration (/etc/mpp) stay, unless you say --purge.
#
#   sudo firmware-scripts/uninstall.sh [--purge]
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PURGE=0
UNITS=(mpp-appliance.service mpp-sync.service mpp-central.service mpp-display.service
    mpp-backup.timer mpp-backup.service)

usage() {
    sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'
    cat <<'TXT'

Options:
  --purge     also delete /var/lib/mpp (the database and its backups!), /etc/mpp and the user
  -h, --help  this text
Environment: MPP_ROOT, MPP_DRY_SYSTEM, MPP_PREFIX, MPP_ETC, MPP_STATE, MPP_USER (lib.sh).
TXT
}

main() {
    while [ "$#" -gt 0 ]; do
        case "$1" in
            --purge) PURGE=1 ;;
            -h | --help)
                usage
                exit 0
                ;;
            *)
                usage >&2
                exit 2
                ;;
        esac
        shift
    done
    require_root
    sys systemctl disable --now "${UNITS[@]}"
    local unit
    for unit in "${UNITS[@]}"; do
        rm -f "$(rooted "$MPP_SYSTEMD_DIR")/$unit"
    done
    rm -rf "$(rooted "$MPP_SYSTEMD_DIR")/mpp-display.service.d"
    rm -f "$(rooted /etc/udev/rules.d)/60-mpp-printer.rules" \
        "$(rooted /etc/systemd/system.conf.d)/mpp-watchdog.conf" \
        "$(rooted /etc/systemd/timesyncd.conf.d)/mpp.conf" \
        "$(rooted /etc/systemd/journald.conf.d)/mpp.conf" \
        "$(rooted /usr/local/bin/mpp)"
    rm -rf "$(rooted "$MPP_PREFIX")"
    sys systemctl daemon-reload
    sys udevadm control --reload-rules
    if [ "$PURGE" = 1 ]; then
        rm -rf "$(rooted "$MPP_STATE")" "$(rooted "$MPP_ETC")"
        sys userdel "$MPP_USER"
        log "removed everything, data and configuration included"
    else
        log "removed the software; kept $MPP_STATE (data) and $MPP_ETC (configuration)"
    fi
    log "the boot settings in $(boot_config) (watchdog, RTC) were left as they are"
}

main "$@"

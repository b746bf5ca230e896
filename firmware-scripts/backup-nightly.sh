#!/usr/bin/env bash
# The nightly backup (run by mpp-backup.timer as the service user): an online, verified copy of
# the database with `mpp backup` into /var/lib/mpp/backups/appliance-YYYYMMDD-HHMMSS.db, then
# only the newest MPP_BACKUP_KEEP copies are kept. Safe while the appliance serves.
#
#   firmware-scripts/backup-nightly.sh
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
    sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'
    cat <<'TXT'

Environment:
  MPP_BACKUP_KEEP [14]   how many nightly copies to keep
  MPP_BACKUP_DIR         default: $MPP_STATE/backups
  MPP_DATABASE, MPP_STATE, MPP_ROOT, MPP_BIN   (see firmware-scripts/lib.sh)
TXT
}

main() {
    case "${1:-}" in
        -h | --help)
            usage
            exit 0
            ;;
        "") ;;
        *)
            usage >&2
            exit 2
            ;;
    esac
    local keep="${MPP_BACKUP_KEEP:-14}" dir target
    [[ "$keep" =~ ^[1-9][0-9]*$ ]] || die "MPP_BACKUP_KEEP must be a whole number >= 1, not '$keep'"
    dir="${MPP_BACKUP_DIR:-$(rooted "$MPP_STATE/backups")}"
    if [ ! -f "$(rooted "$(database_path)")" ]; then
        log "no database yet at $(database_path): nothing to back up"
        return 0
    fi
    mkdir -p "$dir"
    target="$dir/appliance-$(date +%Y%m%d-%H%M%S).db"
    run_mpp backup "$target"
    # Newest first by name (the timestamp sorts); delete the rest.
    find "$dir" -maxdepth 1 -name 'appliance-*.db' -printf '%f\n' | sort -r |
        tail -n "+$((keep + 1))" | while read -r old; do
        rm -f "$dir/$old"
        log "removed old backup $old"
    done
}

main "$@"

#!/usr/bin/env bash
# Restores the appliance database from a backup file (from a USB stick or /var/lib/mpp/backups).
# The backup is checked first (checksum when a .sha256 lies beside it, SQLite integrity, the
# appliance's tables); only then the services stop, the current database is kept aside as
# before-restore-<time>.db, the backup takes its place and the services start again.
#
#   sudo firmware-scripts/restore-usb.sh FILE [--yes]
#
# Everything recorded after the backup was made is lost here. The sync sequence numbers go back to
# that moment, so the restored database is marked (state outbox.restored_from = its last seq):
# `mpp sync` first asks central how far it holds this site and numbers the events written since
# the restore past that, so central gets them as new events, not as conflicts (docs/sync.md).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
    sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
    cat <<'TXT'

Options:
  --yes       do not ask for confirmation
Environment: MPP_DATABASE, MPP_STATE, MPP_USER, MPP_ROOT, MPP_DRY_SYSTEM (lib.sh).
TXT
}

check_backup() {
    local file="$1" tables
    if [ -f "$file.sha256" ]; then
        (cd "$(dirname "$file")" && sha256sum -c --quiet "$(basename "$file").sha256") ||
            die "$file does not match its checksum: the stick or the file is damaged"
    fi
    check_database_file "$file" >&2 || die "$file failed the integrity check: not restoring it"
    tables=$(sqlite3 -readonly "$file" \
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('ticket', 'outbox', 'state');")
    [ "$tables" = 3 ] || die "$file is not an MPP appliance database"
}

main() {
    local file="" yes=0
    while [ "$#" -gt 0 ]; do
        case "$1" in
            -h | --help)
                usage
                exit 0
                ;;
            --yes) yes=1 ;;
            -*)
                usage >&2
                exit 2
                ;;
            *) file="$1" ;;
        esac
        shift
    done
    [ -n "$file" ] || {
        usage >&2
        exit 2
    }
    [ -f "$file" ] || die "no such file: $file"
    require_root
    check_backup "$file"
    local db tickets stamp staged aside
    db=$(rooted "$(database_path)")
    tickets=$(sqlite3 -readonly "$file" 'SELECT count(*) FROM ticket;')
    log "backup OK: $tickets tickets"
    if [ "$yes" != 1 ]; then
        [ -t 0 ] || die "not a terminal: add --yes to confirm"
        read -r -p "Ganti database dengan cadangan ini? / Replace the database? [y/N] " answer
        case "$answer" in y | Y | ya | Ya) ;; *) die "cancelled" ;; esac
    fi
    stamp=$(date +%Y%m%d-%H%M%S)
    staged="$db.restoring"
    cp "$file" "$staged"
    check_database_file "$staged" >&2 || die "the copy in $(dirname "$db") is damaged (disk full?)"
    # An earlier mark (a backup made after a restore, before it synced) is kept: the lower wins.
    sqlite3 "$staged" "INSERT INTO state (key, value)
        SELECT 'outbox.restored_from', COALESCE(
            (SELECT value FROM state WHERE key = 'outbox.last_seq'), '0')
        ON CONFLICT (key) DO UPDATE SET value = MIN(CAST(value AS INTEGER),
            CAST(excluded.value AS INTEGER));" ||
        die "cannot mark $staged as restored"
    # Sessions open when the backup was taken would open again (a cookie copied before a logout
    # works as long as its row exists): after a restore every officer logs in anew.
    if [ -n "$(sqlite3 "$staged" "SELECT name FROM sqlite_master WHERE name = 'staff_session';")" ]; then
        sqlite3 "$staged" "DELETE FROM staff_session;" || die "cannot end the sessions in $staged"
    fi
    sys systemctl stop mpp-sync.service mpp-appliance.service
    if [ -f "$db" ]; then
        aside="$(dirname "$db")/backups/before-restore-$stamp.db"
        mkdir -p "$(dirname "$aside")"
        # The appliance is stopped: its WAL is checkpointed into the file on close; keep all.
        mv "$db" "$aside"
        [ -f "$db-wal" ] && mv "$db-wal" "$aside-wal"
        [ -f "$db-shm" ] && mv "$db-shm" "$aside-shm"
        log "the previous database is kept as $aside"
    fi
    mv "$staged" "$db"
    sys chown "$MPP_USER:$MPP_USER" "${db#"$MPP_ROOT"}"
    sys systemctl start mpp-appliance.service
    sys systemctl try-restart mpp-sync.service
    log "restored $file ($tickets tickets)"
}

main "$@"

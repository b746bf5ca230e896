#!/usr/bin/env bash
# Copies a verified backup of the appliance database to a USB stick, while the appliance keeps
# serving: `mpp backup` makes an online copy and checks it, the copy goes to the stick with its
# SHA-256, and the copy on the stick is checked again.
#
#   sudo firmware-scripts/backup-usb.sh [FOLDER | --device /dev/sdX1]
#
# FOLDER is where the stick is mounted (the desktop mounts it under /media/<user>/<label>);
# without arguments the only stick mounted under /media is used. With --device the script mounts
# the partition itself and unmounts it when done. Files land in <stick>/mpp-backup/.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
    sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'
    printf '\nEnvironment: MPP_DATABASE, MPP_STATE, MPP_ROOT, MPP_BIN, MPP_DRY_SYSTEM (lib.sh).\n'
}

MOUNTED=""
cleanup() {
    if [ -n "$MOUNTED" ]; then
        sync
        sys umount "$MOUNTED" || warn "could not unmount $MOUNTED: unplug only after 'sync'"
        rmdir "$MOUNTED" 2>/dev/null || true
    fi
}

find_stick() {
    local found=()
    mapfile -t found < <(find "$(rooted /media)" -mindepth 1 -maxdepth 2 -type d \
        -exec mountpoint -q {} \; -print 2>/dev/null)
    [ "${#found[@]}" -eq 1 ] ||
        die "found ${#found[@]} mounted sticks under /media: name the folder or use --device"
    printf '%s' "${found[0]}"
}

main() {
    local folder=""
    case "${1:-}" in
        -h | --help)
            usage
            exit 0
            ;;
        --device)
            [ -b "${2:-}" ] || die "--device needs a block device such as /dev/sda1"
            require_root
            MOUNTED=$(mktemp -d /tmp/mpp-usb.XXXXXX)
            trap cleanup EXIT
            sys mount "$2" "$MOUNTED"
            folder="$MOUNTED"
            ;;
        -*)
            usage >&2
            exit 2
            ;;
        "") folder=$(find_stick) ;;
        *) folder="$1" ;;
    esac
    if [ ! -d "$folder" ] || [ ! -w "$folder" ]; then
        die "$folder is not a writable folder (stick mounted?)"
    fi
    [ -f "$(rooted "$(database_path)")" ] || die "no database at $(database_path)"

    local stamp host name local_copy target
    stamp=$(date +%Y%m%d-%H%M%S)
    host=$(hostname -s 2>/dev/null || echo mpp)
    name="mpp-$host-$stamp.db"
    local_copy="$(rooted "$MPP_STATE/backups")/usb-$stamp.db"
    mkdir -p "$(dirname "$local_copy")"
    log "online backup of $(database_path)"
    run_mpp backup "$local_copy" >&2
    mkdir -p "$folder/mpp-backup"
    target="$folder/mpp-backup/$name"
    cp "$local_copy" "$target.partial"
    sync
    (cd "$(dirname "$local_copy")" && sha256sum "$(basename "$local_copy")") |
        sed "s/ $(basename "$local_copy")\$/ $name/" >"$folder/mpp-backup/$name.sha256"
    (cd "$folder/mpp-backup" && mv "$name.partial" "$name" && sha256sum -c --quiet "$name.sha256") ||
        die "the copy on the stick does not match: the stick may be failing"
    check_database_file "$target" >&2 || die "the copy on the stick failed the integrity check"
    rm -f "$local_copy"
    sync
    log "backup on the stick: $target"
    printf '%s\n' "$target"
}

main "$@"

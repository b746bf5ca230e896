# shellcheck shell=bash
# Shared by the MPP firmware scripts (sourced, not run): settings, logging, file helpers and the
# one door every system-changing command goes through.
#
# Every setting is an MPP_* variable with a default for Raspberry Pi OS (Debian 12):
#
#   MPP_ROOT         prefix for every file the scripts write (default: empty = the real system).
#                    Tests and image builders use MPP_ROOT=/tmp/x; the file layout is real.
#   MPP_DRY_SYSTEM   1 = do not run system commands (apt-get, systemctl, useradd, usermod,
#                    groupadd, chown, udevadm, raspi-config, timedatectl); append each one, shell
#                    quoted, to MPP_DRY_LOG instead. Default: 1 when MPP_ROOT is set, else 0.
#   MPP_DRY_LOG      default: $MPP_ROOT/var/log/mpp-dry-system.log
#   MPP_PREFIX       /opt/mpp           releases, `current` and `previous` symlinks
#   MPP_ETC          /etc/mpp           appliance.toml, credentials/
#   MPP_STATE        /var/lib/mpp       database, receipts, backups (the service's StateDirectory)
#   MPP_USER         mpp                service user (a system user, no login)
#   MPP_GROUPS       "gpio lp dialout"  its supplementary groups: GPIO, USB printer, serial printer
#   MPP_SYSTEMD_DIR  /etc/systemd/system

MPP_ROOT="${MPP_ROOT:-}"
MPP_ROOT="${MPP_ROOT%/}"
if [ -n "$MPP_ROOT" ]; then
    MPP_DRY_SYSTEM="${MPP_DRY_SYSTEM:-1}"
else
    MPP_DRY_SYSTEM="${MPP_DRY_SYSTEM:-0}"
fi
MPP_DRY_LOG="${MPP_DRY_LOG:-$MPP_ROOT/var/log/mpp-dry-system.log}"
MPP_PREFIX="${MPP_PREFIX:-/opt/mpp}"
MPP_ETC="${MPP_ETC:-/etc/mpp}"
MPP_STATE="${MPP_STATE:-/var/lib/mpp}"
MPP_USER="${MPP_USER:-mpp}"
MPP_GROUPS="${MPP_GROUPS:-gpio lp dialout}"
MPP_SYSTEMD_DIR="${MPP_SYSTEMD_DIR:-/etc/systemd/system}"

# The checkout (or unpacked release) these scripts belong to.
MPP_SOURCE_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

log() { printf '==> %s\n' "$*" >&2; }
warn() { printf 'PERINGATAN / WARNING: %s\n' "$*" >&2; }
die() {
    printf 'GAGAL / FAILED: %s\n' "$*" >&2
    exit 1
}

# A system path inside MPP_ROOT.
rooted() { printf '%s%s' "$MPP_ROOT" "$1"; }

# Run a system-changing command, or record it when MPP_DRY_SYSTEM=1.
sys() {
    if [ "$MPP_DRY_SYSTEM" = 1 ]; then
        mkdir -p "$(dirname "$MPP_DRY_LOG")"
        local quoted
        quoted=$(printf '%q ' "$@")
        printf '%s\n' "${quoted% }" >>"$MPP_DRY_LOG"
        return 0
    fi
    "$@"
}

require_root() {
    [ "$MPP_DRY_SYSTEM" = 1 ] && return 0
    [ "$(id -u)" -eq 0 ] || die "run as root: sudo $0"
}

# Write stdin to a file only when the content differs (idempotent, and keeps mtimes honest).
# Prints nothing; returns 0 if it wrote, 1 if the file was already identical.
write_file() {
    local target="$1" mode="$2" tmp
    mkdir -p "$(dirname "$target")"
    tmp=$(mktemp "$(dirname "$target")/.mpp-write.XXXXXX")
    cat >"$tmp"
    chmod "$mode" "$tmp"
    if [ -f "$target" ] && cmp -s "$tmp" "$target"; then
        rm -f "$tmp"
        return 1
    fi
    mv -f "$tmp" "$target"
    return 0
}

# Append a line to a file unless it is already there (e.g. a dtparam in config.txt).
ensure_line() {
    local file="$1" line="$2"
    mkdir -p "$(dirname "$file")"
    touch "$file"
    grep -qxF -- "$line" "$file" || printf '%s\n' "$line" >>"$file"
}

# The Raspberry Pi boot configuration: /boot/firmware/config.txt since Bookworm.
boot_config() {
    if [ -n "${MPP_BOOT_CONFIG:-}" ]; then
        printf '%s' "$(rooted "$MPP_BOOT_CONFIG")"
    elif [ -d "$(rooted /boot/firmware)" ] || [ ! -f "$(rooted /boot/config.txt)" ]; then
        printf '%s' "$(rooted /boot/firmware/config.txt)"
    else
        printf '%s' "$(rooted /boot/config.txt)"
    fi
}

# -- releases: /opt/mpp/releases/<name>, `current` and `previous` symlinks ---------------------

releases_dir() { rooted "$MPP_PREFIX/releases"; }

current_release() {
    local link
    link=$(rooted "$MPP_PREFIX/current")
    [ -L "$link" ] || return 0
    basename "$(readlink "$link")"
}

previous_release() {
    local link
    link=$(rooted "$MPP_PREFIX/previous")
    [ -L "$link" ] || return 0
    basename "$(readlink "$link")"
}

# Point a symlink somewhere else atomically (rename over the old link).
swap_link() {
    local link="$1" target="$2"
    ln -sfn "$target" "$link.new"
    mv -Tf "$link.new" "$link"
}

# Make `name` current; the release it replaces becomes `previous`.
switch_release() {
    local name="$1" prefix old
    prefix=$(rooted "$MPP_PREFIX")
    [ -f "$prefix/releases/$name/.mpp-release" ] || die "release $name is not installed"
    old=$(current_release)
    if [ "$old" = "$name" ]; then
        log "release $name is already current"
        return 0
    fi
    [ -n "$old" ] && swap_link "$prefix/previous" "releases/$old"
    swap_link "$prefix/current" "releases/$name"
    log "current release: $name${old:+ (was $old)}"
}

# Restart the services that run from `current` (only those that are running).
restart_services() {
    sys systemctl daemon-reload
    sys systemctl try-restart mpp-appliance.service mpp-sync.service mpp-central.service \
        mpp-display.service
}

# -- installing a release ----------------------------------------------------------------------
#
#   MPP_PYTHON       python3   interpreter for the release venv
#   MPP_SYSTEM_SITE  1         venv sees Debian's Python packages (python3-lgpio for GPIO)
#   MPP_PIP_OPTS     ""        extra pip options, e.g. "--no-index --find-links /media/usb/wheels"
#                              for a site without internet
#   MPP_RELEASE      ""        release name (default: the version of the source, see release_name)
#
# A central (one with $MPP_ETC/central.toml, written by `install.sh --role central` before the
# release is installed) gets the package's `postgres` extra, the PostgreSQL driver: without it a
# postgresql:// database could not be opened (docs/central-postgresql.md).

# The name a source installs as: 0.2.0 for mpp_appliance-0.2.0-py3-none-any.whl or
# mpp_appliance-0.2.0.tar.gz; version+commit for a checkout or git:REF.
release_name() {
    local source="$1" base version
    if [ -n "${MPP_RELEASE:-}" ]; then
        printf '%s' "$MPP_RELEASE"
        return
    fi
    base=$(basename "$source")
    case "$base" in
        *.whl)
            printf '%s' "$base" | cut -d- -f2
            ;;
        *.tar.gz)
            base="${base%.tar.gz}"
            printf '%s' "${base##*-}"
            ;;
        *)
            if [ -f "$source/.mpp-release-name" ]; then
                cat "$source/.mpp-release-name"
                return
            fi
            version=$(sed -n 's/^version *= *"\(.*\)"/\1/p' "$source/pyproject.toml" | head -n1)
            [ -n "$version" ] || die "no version in $source/pyproject.toml"
            if git -C "$source" rev-parse --short HEAD >/dev/null 2>&1; then
                version="$version-g$(git -C "$source" rev-parse --short HEAD)"
            fi
            printf '%s' "$version"
            ;;
    esac
}

# A `git:REF` source becomes a clean export of that commit of this checkout.
resolve_source() {
    local source="$1" ref dir
    case "$source" in
        git:*)
            ref="${source#git:}"
            git -C "$MPP_SOURCE_DIR" rev-parse --verify -q "$ref^{commit}" >/dev/null ||
                die "no commit $ref in $MPP_SOURCE_DIR"
            dir=$(mktemp -d)
            git -C "$MPP_SOURCE_DIR" archive "$ref" | tar -x -C "$dir"
            # The export has no .git (and this runs in a subshell): leave the name beside it.
            printf '%s-g%s' "$(sed -n 's/^version *= *"\(.*\)"/\1/p' "$dir/pyproject.toml" |
                head -n1)" "$(git -C "$MPP_SOURCE_DIR" rev-parse --short "$ref")" \
                >"$dir/.mpp-release-name"
            printf '%s' "$dir"
            ;;
        *)
            [ -e "$source" ] || die "no such release source: $source"
            (cd "$(dirname "$source")" && printf '%s/%s' "$(pwd)" "$(basename "$source")")
            ;;
    esac
}

# Create releases/<name> (a venv with the package, plus this checkout's scripts, units and docs
# under share/mpp) unless it is already complete. Prints the release name on stdout.
install_release() {
    local source name dir python venv_opts=() pip_opts=()
    source=$(resolve_source "$1")
    name=$(release_name "$source")
    dir="$(releases_dir)/$name"
    if [ -f "$dir/.mpp-release" ]; then
        log "release $name is already installed"
        printf '%s\n' "$name"
        return 0
    fi
    rm -rf "$dir"
    mkdir -p "$(releases_dir)"
    python="${MPP_PYTHON:-python3}"
    [ "${MPP_SYSTEM_SITE:-1}" = 1 ] && venv_opts+=(--system-site-packages)
    log "creating release $name in $dir"
    "$python" -m venv "${venv_opts[@]}" "$dir" >&2
    # shellcheck disable=SC2206 # MPP_PIP_OPTS is a list of options on purpose
    pip_opts=(${MPP_PIP_OPTS:-})
    local spec="$source"
    [ -f "$(rooted "$MPP_ETC")/central.toml" ] && spec="${source}[postgres]"
    "$dir/bin/python" -m pip install -q --disable-pip-version-check "${pip_opts[@]}" \
        "$spec" >&2 || {
        rm -rf "$dir"
        die "pip could not install $source (offline? set MPP_PIP_OPTS)"
    }
    # A git:REF export was a temporary folder.
    [ -f "$source/.mpp-release-name" ] && rm -rf "$source"
    mkdir -p "$dir/share/mpp"
    local part
    for part in firmware-scripts systemd docs; do
        [ -d "$MPP_SOURCE_DIR/$part" ] && cp -a "$MPP_SOURCE_DIR/$part" "$dir/share/mpp/"
    done
    printf 'name=%s\nsource=%s\ninstalled=%s\n' "$name" "$1" "$(date -u +%FT%TZ)" \
        >"$dir/.mpp-release"
    printf '%s\n' "$name"
}

# The service units of a release, adjusted when MPP_PREFIX/MPP_ETC/MPP_STATE differ from the
# defaults, into the systemd directory. Returns after daemon-reload.
install_units() {
    local release_dir="$1" target unit
    target=$(rooted "$MPP_SYSTEMD_DIR")
    mkdir -p "$target"
    for unit in "$release_dir"/share/mpp/systemd/*.service "$release_dir"/share/mpp/systemd/*.timer; do
        [ -f "$unit" ] || continue
        sed -e "s|/opt/mpp/|$MPP_PREFIX/|g" -e "s|/etc/mpp|$MPP_ETC|g" \
            -e "s|/var/lib/mpp|$MPP_STATE|g" -e "s|^User=mpp$|User=$MPP_USER|" \
            -e "s|^Group=mpp$|Group=$MPP_USER|" "$unit" |
            write_file "$target/$(basename "$unit")" 0644 && log "unit $(basename "$unit") installed"
    done
    sys systemctl daemon-reload
}

# The database the appliance uses (only the default location is known to shell scripts).
database_path() { printf '%s' "${MPP_DATABASE:-$MPP_STATE/appliance.db}"; }

# `mpp` of the current release, as the service user so files it creates belong to the service.
run_mpp() {
    local bin="${MPP_BIN:-$(rooted "$MPP_PREFIX/current/bin/mpp")}"
    if [ "$MPP_DRY_SYSTEM" != 1 ] && [ "$(id -u)" -eq 0 ] && id "$MPP_USER" >/dev/null 2>&1; then
        runuser -u "$MPP_USER" -- env MPP_CONFIG="${MPP_CONFIG:-$MPP_ETC/appliance.toml}" \
            "$bin" "$@"
    else
        "$bin" "$@"
    fi
}

# SQLite's own check on a file; prints the problems, returns 1 if there are any.
check_database_file() {
    local file="$1" result
    result=$(sqlite3 -readonly "$file" 'PRAGMA integrity_check;' 2>&1) || {
        printf '%s\n' "$result"
        return 1
    }
    [ "$result" = ok ] || {
        printf '%s\n' "$result"
        return 1
    }
}

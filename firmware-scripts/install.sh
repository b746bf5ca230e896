#!/usr/bin/env bash
# Installs (or re-installs: it is idempotent) the MPP appliance on Raspberry Pi OS (Debian 12):
# system packages, the `mpp` service user and its groups, a release of the Python package in its
# own venv under /opt/mpp/releases/<version> with /opt/mpp/current pointing at it, the systemd
# units, the udev rule for USB receipt printers, the voice clips, the hardware watchdog, time
# synchronisation (systemd-timesyncd, fake-hwclock, optional DS3231 RTC) and journald limits.
#
#   sudo firmware-scripts/install.sh [SOURCE] [--role appliance|central] [--no-display]
#
# SOURCE is a wheel or sdist file, a source folder, or git:REF (a commit of this checkout);
# default: this checkout. Running it again with a new SOURCE installs that release and switches
# to it (like update.sh); your configuration and data are never overwritten.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ROLE=appliance
SOURCE=""

usage() {
    sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
    cat <<'TXT'

Options:
  --role appliance   the Raspberry Pi in the building (default)
  --role central     the central server: only mpp-central, no GPIO, printer, display or RTC
  --no-display       do not set up the Chromium board on this Pi's HDMI (MPP_DISPLAY=0)
  -h, --help         this text

Environment (defaults in brackets):
  MPP_ROOT, MPP_DRY_SYSTEM, MPP_DRY_LOG   install into a folder / only record system commands
                                          (see firmware-scripts/lib.sh; used by the tests)
  MPP_PREFIX [/opt/mpp]  MPP_ETC [/etc/mpp]  MPP_STATE [/var/lib/mpp]
  MPP_USER [mpp]  MPP_GROUPS ["gpio lp dialout"]
  MPP_PYTHON [python3]  MPP_SYSTEM_SITE [1]  MPP_PIP_OPTS [""]  MPP_RELEASE [from SOURCE]
  MPP_APT [1]            install Debian packages with apt-get
  MPP_DISPLAY [1]        board on this Pi's HDMI; MPP_DISPLAY_USER [the desktop autologin user]
  MPP_VOICE_CLIPS [1]    generate missing voice clips with make-voice-clips.sh
  MPP_WATCHDOG [1]       hardware watchdog (dtparam=watchdog=on, RuntimeWatchdogSec=14s)
  MPP_RTC [""]           "ds3231" adds dtoverlay=i2c-rtc,ds3231 for a battery clock module
  MPP_NTP [""]           NTP servers on the LAN (e.g. the router), space separated
  MPP_JOURNAL_MAX [64M]  journald SystemMaxUse, to spare the SD card
  MPP_PRINTER_USB_IDS    extra vendor:product pairs for the printer udev rule
TXT
}

parse_args() {
    while [ "$#" -gt 0 ]; do
        case "$1" in
            --role)
                [ "$#" -ge 2 ] || die "--role needs appliance or central"
                ROLE="$2"
                shift 2
                ;;
            --no-display)
                MPP_DISPLAY=0
                shift
                ;;
            -h | --help)
                usage
                exit 0
                ;;
            -*)
                usage >&2
                exit 2
                ;;
            *)
                SOURCE="$1"
                shift
                ;;
        esac
    done
    case "$ROLE" in
        appliance | central) ;;
        *) die "--role must be appliance or central, not $ROLE" ;;
    esac
    SOURCE="${SOURCE:-$MPP_SOURCE_DIR}"
    [ "$ROLE" = central ] && MPP_DISPLAY=0
    MPP_DISPLAY="${MPP_DISPLAY:-1}"
}

# -- system packages ---------------------------------------------------------------------------

install_packages() {
    [ "${MPP_APT:-1}" = 1 ] || return 0
    local packages=(python3 python3-venv sqlite3 ca-certificates systemd-timesyncd)
    if [ "$ROLE" = appliance ]; then
        packages+=(python3-lgpio fake-hwclock espeak-ng sox alsa-utils curl)
        [ "$MPP_DISPLAY" = 1 ] && packages+=("$(chromium_package)")
        [ "${MPP_RTC:-}" = ds3231 ] && packages+=(i2c-tools)
    fi
    log "Debian packages: ${packages[*]}"
    sys apt-get update -qq
    sys env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        "${packages[@]}"
}

# Raspberry Pi OS ships Chromium as chromium-browser; plain Debian as chromium.
chromium_package() {
    if [ "$MPP_DRY_SYSTEM" != 1 ] && ! apt-cache show chromium-browser >/dev/null 2>&1; then
        printf 'chromium'
    else
        printf 'chromium-browser'
    fi
}

# -- service user ------------------------------------------------------------------------------

create_user() {
    local group
    for group in $MPP_GROUPS; do
        # gpio exists on Raspberry Pi OS; on plain Debian make it so the unit can start.
        sys groupadd -f --system "$group"
    done
    if [ "$MPP_DRY_SYSTEM" = 1 ] || ! id "$MPP_USER" >/dev/null 2>&1; then
        sys useradd --system --user-group --home-dir "$MPP_STATE" --no-create-home \
            --shell /usr/sbin/nologin --comment "MPP queue appliance" "$MPP_USER"
    fi
    # Exactly these groups, nothing else (no sudo, no video, no audio).
    sys usermod --groups "$(tr ' ' ',' <<<"$MPP_GROUPS")" "$MPP_USER"
}

# -- folders, configuration, credentials, the `mpp` command -----------------------------------

make_folders() {
    local etc state
    etc=$(rooted "$MPP_ETC")
    state=$(rooted "$MPP_STATE")
    mkdir -p "$etc/credentials" "$state/backups" "$state/receipts"
    # credentials/: the service group may read the 0640 files (broker password, for mpp sync
    # and mpp doctor); files only systemd hands over (web-secret-key) stay 0600 root.
    chmod 0750 "$etc" "$state" "$state/backups" "$etc/credentials"
    sys chown "root:$MPP_USER" "$MPP_ETC" "$MPP_ETC/credentials"
    sys chown -R "$MPP_USER:$MPP_USER" "$MPP_STATE"
}

write_config() {
    local config secret
    config="$(rooted "$MPP_ETC")/appliance.toml"
    [ "$ROLE" = central ] && config="$(rooted "$MPP_ETC")/central.toml"
    if [ -f "$config" ]; then
        log "keeping your configuration $config"
    else
        if [ "$ROLE" = central ]; then
            central_config_template
        else
            appliance_config_template
        fi | write_file "$config" 0640
        sys chown "root:$MPP_USER" "${config#"$MPP_ROOT"}"
        log "wrote $config: edit it (site, printer, buttons, sync) before the first start"
    fi
    # Session keys: random, made once, only readable by root (systemd passes them on).
    local name=web-secret-key
    [ "$ROLE" = central ] && name=central-secret-key
    secret="$(rooted "$MPP_ETC")/credentials/$name"
    if [ ! -s "$secret" ]; then
        (umask 077 && head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$secret")
        log "generated $secret"
    fi
}

appliance_config_template() {
    cat <<TOML
# MPP appliance configuration. Reference: docs/configuration.md. Check it: mpp config check
[site]
catalogue = "kota-metro"            # a catalogue file (mpp-catalogue/1) or a packaged name

[storage]
database = "$MPP_STATE/appliance.db"

[web]
host = "0.0.0.0"
port = 8080
public_url = "http://mpp.local:8080"   # printed in the ticket's QR code: use the Pi's LAN address
language = "id"

[printer]
driver = "usb"                      # usb | serial | network | file | none
paper_width_mm = 80                 # 58 or 80
# usb_vendor = 0x0416               # lsusb shows vendor:product of your printer
# usb_product = 0x5011
# host = "192.168.1.50"             # network printer (port 9100)
# device = "/dev/ttyUSB0"           # serial printer
folder = "$MPP_STATE/receipts"

[gpio]
pin_factory = "lgpio"
led_pin = 22                        # button LED through a 330 ohm resistor (optional)

[[gpio.buttons]]
pin = 17                            # ticket button between GPIO17 and GND
service = "MPP-INFORMASI"

# [[gpio.buttons]]
# pin = 27                          # priority button (lansia, disabilitas, ibu hamil)
# service = "MPP-INFORMASI"
# priority = true
# priority_reason = "lansia"

[sync]
broker = ""                         # e.g. "mqtts://central.example.go.id:8883"; "" = no sync
site = ""
username = ""
# password_file = "$MPP_ETC/credentials/broker-password"   # root:$MPP_USER, mode 0640
# ca_file = "$MPP_ETC/central-ca.pem"
TOML
}

central_config_template() {
    # One ingest process per core, at least 2: a process's ingest runs on one core at a time
    # (Python's GIL), and the dashboard answers fastest from a process that does not ingest
    # (B12, docs/performance.md "Ingest in processes").
    local cores
    cores=$(nproc 2>/dev/null || echo 2)
    [ "$cores" -ge 2 ] || cores=2
    cat <<TOML
# MPP central configuration. Reference: docs/configuration.md. Check it: mpp config check
[central]
database = "sqlite:///$MPP_STATE/central.db"   # production: postgresql://mpp@host/mpp?sslmode=verify-full (docs/central-postgresql.md)
broker = "mqtt://127.0.0.1:1883"
workers = 2                 # ingest threads per ingest process
ingest_processes = $cores        # ingest processes beside the web one (this machine's cores); 0 = one process

[central.web]
host = "0.0.0.0"
port = 8090
TOML
}

# Root runs `mpp` as the service user, so a database it creates belongs to the appliance.
write_wrapper() {
    write_file "$(rooted /usr/local/bin/mpp)" 0755 <<SH || true
#!/bin/sh
# mpp of the current release (installed by firmware-scripts/install.sh). Run by root, it runs
# as the service user $MPP_USER so the files it creates stay usable by the service.
MPP_CONFIG="\${MPP_CONFIG:-$MPP_ETC/$([ "$ROLE" = central ] && echo central || echo appliance).toml}"
export MPP_CONFIG
if [ "\$(id -u)" = 0 ] && [ -z "\${MPP_AS_ROOT:-}" ]; then
    exec runuser -u $MPP_USER -- $MPP_PREFIX/current/bin/mpp "\$@"
fi
exec $MPP_PREFIX/current/bin/mpp "\$@"
SH
}

# -- units -------------------------------------------------------------------------------------

display_user() {
    if [ -n "${MPP_DISPLAY_USER:-}" ]; then
        printf '%s' "$MPP_DISPLAY_USER"
        return
    fi
    local conf user
    conf=$(rooted /etc/lightdm/lightdm.conf)
    user=""
    if [ -f "$conf" ]; then
        user=$(sed -n 's/^autologin-user=//p' "$conf" | tail -n1)
    fi
    if [ -z "$user" ]; then
        # The first human account (uid 1000), as Raspberry Pi OS creates it at first boot.
        user=$(awk -F: '$3 == 1000 { print $1 }' "$(rooted /etc/passwd)" 2>/dev/null || true)
    fi
    printf '%s' "${user:-pi}"
}

setup_units() {
    local release_dir="$1" units=()
    install_units "$release_dir"
    if [ "$ROLE" = central ]; then
        units=(mpp-central.service)
    else
        units=(mpp-appliance.service mpp-backup.timer)
        if sync_configured; then
            units+=(mpp-sync.service)
        else
            log "sync not configured yet: mpp-sync stays disabled (set [sync] broker, rerun)"
        fi
        if [ "$MPP_DISPLAY" = 1 ]; then
            local user
            user=$(display_user)
            printf '[Service]\nUser=%s\n' "$user" |
                write_file "$(rooted "$MPP_SYSTEMD_DIR")/mpp-display.service.d/user.conf" 0644 ||
                true
            log "display board runs in the desktop session of $user"
            units+=(mpp-display.service)
            # Boot to the desktop, logged in automatically, and never blank the TV.
            if [ "$MPP_DRY_SYSTEM" = 1 ] || command -v raspi-config >/dev/null; then
                sys raspi-config nonint do_boot_behaviour B4
                sys raspi-config nonint do_blanking 1
            fi
        fi
    fi
    sys systemctl daemon-reload
    sys systemctl enable "${units[@]}"
}

# mpp-sync only makes sense once [sync] names a broker.
sync_configured() {
    local config
    config="$(rooted "$MPP_ETC")/appliance.toml"
    [ -f "$config" ] && awk '
        /^\[/ { section = $0 }
        section == "[sync]" && /^[ \t]*broker[ \t]*=[ \t]*"mqtts?:\/\// { found = 1 }
        END { exit !found }' "$config"
}

# -- hardware: printer udev rule, watchdog, clock, journald, voice ----------------------------

install_udev_rule() {
    local rule ids=(0416:5011 04b8: 0fe6:811e 1fc9:2016 0483:5743 28e9:0289 1504:)
    rule="$(rooted /etc/udev/rules.d)/60-mpp-printer.rules"
    # shellcheck disable=SC2206 # a space separated list on purpose
    ids+=(${MPP_PRINTER_USB_IDS:-})
    {
        printf '%s\n' "# USB receipt printers (ESC/POS) for the MPP appliance: group lp, no sudo needed."
        printf '%s\n' "# Installed by firmware-scripts/install.sh; add ids with MPP_PRINTER_USB_IDS=vvvv:pppp."
        printf '%s\n' '# Any device with a USB printer-class interface (07):'
        printf '%s\n' 'SUBSYSTEM=="usb", ENV{DEVTYPE}=="usb_device", ENV{ID_USB_INTERFACES}=="*:0701*", MODE="0660", GROUP="lp"'
        printf '%s\n' '# Known receipt printers that present a vendor-specific interface instead:'
        local id vendor product
        for id in "${ids[@]}"; do
            vendor="${id%%:*}"
            product="${id#*:}"
            if [ -n "$product" ]; then
                printf 'SUBSYSTEM=="usb", ATTRS{idVendor}=="%s", ATTRS{idProduct}=="%s", MODE="0660", GROUP="lp"\n' \
                    "$vendor" "$product"
            else
                printf 'SUBSYSTEM=="usb", ATTRS{idVendor}=="%s", MODE="0660", GROUP="lp"\n' "$vendor"
            fi
        done
    } | write_file "$rule" 0644 || true
    sys udevadm control --reload-rules
    sys udevadm trigger --subsystem-match=usb --action=change
}

setup_watchdog() {
    [ "${MPP_WATCHDOG:-1}" = 1 ] || return 0
    ensure_line "$(boot_config)" "dtparam=watchdog=on"
    # The Broadcom watchdog allows at most ~15 s: systemd pets it, a hung kernel reboots.
    write_file "$(rooted /etc/systemd/system.conf.d)/mpp-watchdog.conf" 0644 <<'CONF' || true
# Installed by MPP firmware-scripts/install.sh: reboot the Pi if the system hangs.
[Manager]
RuntimeWatchdogSec=14s
RebootWatchdogSec=2min
CONF
}

setup_clock() {
    local servers="${MPP_NTP:-}"
    write_file "$(rooted /etc/systemd/timesyncd.conf.d)/mpp.conf" 0644 <<CONF || true
# Installed by MPP firmware-scripts/install.sh. A LAN time server (router, domain controller)
# keeps the clock right even when the internet is down.
[Time]
${servers:+NTP=$servers}
FallbackNTP=0.id.pool.ntp.org 1.id.pool.ntp.org 0.debian.pool.ntp.org 1.debian.pool.ntp.org
CONF
    sys systemctl enable systemd-timesyncd.service
    sys timedatectl set-ntp true
    if [ "$ROLE" = appliance ]; then
        # No battery clock on a Pi: fake-hwclock restores the last saved time at boot, so the
        # clock at least never starts in 1970 (the appliance still marks it unsynchronised).
        sys systemctl enable fake-hwclock.service
    fi
    if [ "${MPP_RTC:-}" = ds3231 ]; then
        ensure_line "$(boot_config)" "dtparam=i2c_arm=on"
        ensure_line "$(boot_config)" "dtoverlay=i2c-rtc,ds3231"
        # With a real battery clock, fake-hwclock's saved time must not fight it.
        sys systemctl disable fake-hwclock.service
        log "DS3231 RTC configured: reboot, then check with: timedatectl; hwclock -r"
    elif [ -n "${MPP_RTC:-}" ]; then
        die "MPP_RTC=$MPP_RTC is not supported (use ds3231)"
    fi
}

setup_journald() {
    write_file "$(rooted /etc/systemd/journald.conf.d)/mpp.conf" 0644 <<CONF || true
# Installed by MPP firmware-scripts/install.sh: keep logs across reboots but spare the SD card.
[Journal]
Storage=persistent
SystemMaxUse=${MPP_JOURNAL_MAX:-64M}
RuntimeMaxUse=32M
MaxRetentionSec=1month
CONF
    sys systemctl restart systemd-journald.service
}

make_voice_clips() {
    [ "${MPP_VOICE_CLIPS:-1}" = 1 ] || return 0
    local release_dir="$1" voice
    # -I: the release's own package, never an `appliance` folder in the current directory.
    voice=$("$release_dir/bin/python" -I -c \
        'import appliance, pathlib; print(pathlib.Path(appliance.__file__).parent / "data" / "voice")')
    log "voice clips in $voice"
    if ! bash "$MPP_SOURCE_DIR/firmware-scripts/make-voice-clips.sh" --out "$voice" \
        --keep-existing >&2; then
        warn "voice clips could not be made: the board shows calls but stays silent." \
            "Fix espeak-ng/sox, then rerun install.sh"
    fi
}

main() {
    parse_args "$@"
    require_root
    log "installing MPP ($ROLE) into ${MPP_ROOT:-/}"
    [ "$MPP_DRY_SYSTEM" = 1 ] && log "system commands are only recorded in $MPP_DRY_LOG"
    install_packages
    create_user
    make_folders
    write_config
    local name release_dir
    name=$(install_release "$SOURCE")
    release_dir="$(releases_dir)/$name"
    switch_release "$name"
    write_wrapper
    setup_units "$release_dir"
    setup_journald
    setup_clock
    if [ "$ROLE" = appliance ]; then
        install_udev_rule
        setup_watchdog
        make_voice_clips "$release_dir"
    fi
    restart_services
    log "done: release $name is current."
    if [ "$ROLE" = appliance ] && [ ! -f "$(rooted "$(database_path)")" ]; then
        log "next: edit $MPP_ETC/appliance.toml, then: sudo mpp init --admin NAME;" \
            "sudo systemctl start mpp-appliance (docs/deploy.md)"
    fi
}

main "$@"

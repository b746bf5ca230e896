#!/usr/bin/env bash
# Generates the default Indonesian voice clips for call announcements, offline, with espeak-ng's
# Indonesian voice and sox: one 16 kHz mono 16-bit WAV per word of the vocabulary in
# appliance/speech.py (CLIP_NAMES), trimmed of silence and normalised, plus a two-tone chime.
#
#   firmware-scripts/make-voice-clips.sh [--out DIR] [--keep-existing] [--check] [--list]
#
# Running it again changes nothing: synthesis is deterministic (no dither), and a file is only
# replaced when its bytes differ. A folder of human recordings keeps its files with --keep-existing,
# which only fills in the clips that are missing. Writing the packaged set also refreshes the
# board's "sound works" chime (web/static/audio/chime.wav), a copy of voice/chime.wav.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PACKAGED="$ROOT/appliance/data/voice"
WEB_CHIME="$ROOT/web/static/audio/chime.wav"
OUT="$PACKAGED"
VOICE="${MPP_VOICE:-id}"
SPEED="${MPP_VOICE_SPEED:-150}"
KEEP_EXISTING=0
MODE=generate

# Clip name and what espeak-ng is given to say. Letters are said by their Indonesian names.
# [[...]] is espeak phoneme input, where its Indonesian spelling rules get a word wrong:
# "loket" is lo-KET with an open e, not a schwa; the letter S is "ès".
CLIPS=(
    "nomor_antrean|nomor antrean"
    "anda|anda"
    "silakan_menuju|silakan menuju"
    "loket|[[l'okEt]]"
    "huruf_a|a" "huruf_b|be" "huruf_c|ce" "huruf_d|de" "huruf_e|e" "huruf_f|ef" "huruf_g|ge"
    "huruf_h|ha" "huruf_i|i" "huruf_j|je" "huruf_k|ka" "huruf_l|el" "huruf_m|em" "huruf_n|en"
    "huruf_o|o" "huruf_p|pe" "huruf_q|ki" "huruf_r|er" "huruf_s|[['Es]]" "huruf_t|te" "huruf_u|u"
    "huruf_v|ve" "huruf_w|we" "huruf_x|eks" "huruf_y|ye" "huruf_z|zet"
    "nol|nol" "satu|satu" "dua|dua" "tiga|tiga" "empat|empat" "lima|lima" "enam|enam"
    "tujuh|tujuh" "delapan|delapan" "sembilan|sembilan"
    "sepuluh|sepuluh" "sebelas|sebelas" "belas|belas" "puluh|puluh"
    "seratus|seratus" "ratus|ratus" "seribu|seribu" "ribu|ribu"
)
# Not speech: generated from tones and silence.
OTHER_CLIPS=(chime jeda)

# Sanity limits for --check (seconds, and RMS level in dBFS for speech and the chime).
MIN_SECONDS=0.08
MAX_SECONDS=2.5
MIN_RMS_DB=-35

usage() {
    sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'
    cat <<'TXT'

Options:
  --out DIR         folder to write (default: appliance/data/voice in this checkout)
  --keep-existing   leave clips that already exist alone (for a folder of human recordings)
  --check           only check the folder: every clip present, 16 kHz mono 16-bit, sane length
                    and level; exit 1 if one is not
  --list            print the clip names and what is said, one "name|text" a line, and exit
  -h, --help        this text

Environment:
  MPP_VOICE         espeak-ng voice (default: id)
  MPP_VOICE_SPEED   words per minute (default: 150)
TXT
}

log() { printf '==> %s\n' "$*" >&2; }
die() {
    printf 'make-voice-clips: %s\n' "$*" >&2
    exit 1
}

parse_args() {
    while [ "$#" -gt 0 ]; do
        case "$1" in
            --out)
                [ "$#" -ge 2 ] || die "--out needs a folder"
                OUT="$2"
                shift 2
                ;;
            --out=*)
                OUT="${1#--out=}"
                shift
                ;;
            --keep-existing)
                KEEP_EXISTING=1
                shift
                ;;
            --check)
                MODE=check
                shift
                ;;
            --list)
                MODE=list
                shift
                ;;
            -h | --help)
                usage
                exit 0
                ;;
            *)
                usage >&2
                exit 2
                ;;
        esac
    done
}

require_tools() {
    local tool
    for tool in "$@"; do
        command -v "$tool" >/dev/null ||
            die "$tool is missing (on Debian / Raspberry Pi OS: apt-get install espeak-ng sox)"
    done
}

# The same settings for every clip: 16 kHz mono signed 16-bit, no dither so reruns are identical.
to_clip_format() {
    local input="$1" output="$2"
    shift 2
    sox -D "$input" -r 16000 -c 1 -b 16 -e signed-integer "$output" "$@"
}

speak() {
    local text="$1" output="$2" raw="$WORK/raw.wav"
    espeak-ng -v "$VOICE" -s "$SPEED" -w "$raw" -- "$text"
    # Trim quiet lead-in and tail (below -50 dBFS), then pad 20 ms before and 40 ms after: clips
    # are played back to back, so this padding is the gap between two words.
    to_clip_format "$raw" "$output" \
        silence 1 0.01 -50d reverse silence 1 0.01 -50d reverse \
        pad 0.02 0.04 norm -3
}

make_chime() {
    local output="$1"
    # Two soft tones, high then low ("ding-dong"), each with a gentle attack and a long decay.
    sox -D -n -r 16000 -c 1 -b 16 -e signed-integer "$WORK/ding.wav" \
        synth 0.42 sine 659.25 sine 1318.5 remix - fade q 0.015 0.42 0.34 gain -n -6
    sox -D -n -r 16000 -c 1 -b 16 -e signed-integer "$WORK/dong.wav" \
        synth 0.42 sine 523.25 sine 1046.5 remix - fade q 0.015 0.42 0.34 gain -n -6
    # 250 ms of quiet after the dong before the voice starts.
    sox -D "$WORK/ding.wav" "$WORK/dong.wav" "$output" pad 0 0.25
}

make_pause() {
    sox -D -n -r 16000 -c 1 -b 16 -e signed-integer "$1" trim 0 0.25
}

# Put a freshly made file at its place unless an identical one is already there (so the
# modification time of an unchanged clip stays too). Prints what happened.
install_file() {
    local label="$1" made="$2" target="$3"
    if [ -f "$target" ] && cmp -s "$made" "$target"; then
        printf '  %-16s unchanged\n' "$label"
        return 0
    fi
    local state="created"
    [ -f "$target" ] && state="updated"
    cp -f "$made" "$target.tmp"
    mv -f "$target.tmp" "$target"
    printf '  %-16s %s\n' "$label" "$state"
}

generate() {
    mkdir -p "$OUT"
    WORK=$(mktemp -d)
    trap 'rm -rf "$WORK"' EXIT
    log "writing clips to $OUT (espeak-ng voice $VOICE, $SPEED wpm)"
    local entry name text
    for entry in "${CLIPS[@]}" "${OTHER_CLIPS[@]}"; do
        name="${entry%%|*}"
        text="${entry#*|}"
        if [ "$KEEP_EXISTING" = 1 ] && [ -f "$OUT/$name.wav" ]; then
            printf '  %-16s kept\n' "$name"
            continue
        fi
        case "$name" in
            chime) make_chime "$WORK/$name.wav" ;;
            jeda) make_pause "$WORK/$name.wav" ;;
            *) speak "$text" "$WORK/$name.wav" ;;
        esac
        install_file "$name" "$WORK/$name.wav" "$OUT/$name.wav"
    done
    if same_folder "$OUT" "$PACKAGED" && [ -d "$(dirname "$WEB_CHIME")" ]; then
        install_file "web chime" "$OUT/chime.wav" "$WEB_CHIME"
    fi
}

same_folder() {
    [ -d "$1" ] && [ -d "$2" ] && [ "$(cd "$1" && pwd -P)" = "$(cd "$2" && pwd -P)" ]
}

list_clips() {
    local entry
    for entry in "${CLIPS[@]}"; do
        printf '%s\n' "$entry"
    done
    printf '%s|\n' "${OTHER_CLIPS[@]}"
}

# One line per clip: duration, RMS level and format, and a verdict. Returns 1 if any clip fails.
check() {
    local failed=0 entry name file seconds rms rate channels bits verdict
    log "checking $OUT"
    printf '  %-16s %8s %9s  %s\n' clip seconds "RMS dBFS" format
    for entry in "${CLIPS[@]}" "${OTHER_CLIPS[@]}"; do
        name="${entry%%|*}"
        file="$OUT/$name.wav"
        if [ ! -f "$file" ]; then
            printf '  %-16s MISSING\n' "$name"
            failed=1
            continue
        fi
        seconds=$(soxi -D "$file")
        rate=$(soxi -r "$file")
        channels=$(soxi -c "$file")
        bits=$(soxi -b "$file")
        rms=$(sox "$file" -n stats 2>&1 | awk '/^RMS lev dB/ {print $4}')
        verdict=ok
        if [ "$rate" != 16000 ] || [ "$channels" != 1 ] || [ "$bits" != 16 ]; then
            verdict="wrong format"
        elif ! awk -v s="$seconds" -v lo="$MIN_SECONDS" -v hi="$MAX_SECONDS" \
            'BEGIN { exit !(s >= lo && s <= hi) }'; then
            verdict="odd length"
        elif [ "$name" != jeda ] && ! awk -v r="$rms" -v lo="$MIN_RMS_DB" \
            'BEGIN { exit !(r != "-inf" && r + 0 >= lo) }'; then
            verdict="too quiet"
        fi
        [ "$verdict" = ok ] || failed=1
        printf '  %-16s %8.3f %9s  %s Hz, %s ch, %s bit  %s\n' \
            "$name" "$seconds" "$rms" "$rate" "$channels" "$bits" "$verdict"
    done
    if same_folder "$OUT" "$PACKAGED" && [ -f "$WEB_CHIME" ] && ! cmp -s "$OUT/chime.wav" "$WEB_CHIME"; then
        printf '  %-16s differs from %s (run without --check)\n' "web chime" "$WEB_CHIME"
        failed=1
    fi
    local total
    total=$(find "$OUT" -maxdepth 1 -name '*.wav' -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }')
    log "$(find "$OUT" -maxdepth 1 -name '*.wav' | wc -l) clips, $total bytes in total"
    return "$failed"
}

main() {
    parse_args "$@"
    if [ "$MODE" = list ]; then
        list_clips
        return
    fi
    require_tools sox soxi
    if [ "$MODE" = check ]; then
        check
        return
    fi
    require_tools espeak-ng
    espeak-ng --voices="$VOICE" | awk 'NR > 1 { found = 1 } END { exit !found }' ||
        die "espeak-ng has no voice '$VOICE'"
    generate
    check
}

main "$@"

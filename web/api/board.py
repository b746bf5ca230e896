"""The display board endpoints: its state, the calls to announce, the SSE doorbell, the audio.

`since` returns the calls after the given version in order, so a board announces each call
exactly once however it reconnects (the stream only rings; it carries no calls).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

from flask import Blueprint, Response, jsonify, request

from appliance.queue.board import MESSAGE_MAX, one_line, set_message
from appliance.site import zone
from appliance.voice.announce import ClipError
from web.auth import require
from web.context import web
from web.kit.errors import ApiError
from web.kit.inputs import json_body, query_int, too_long
from web.live.boardstate import calls_since

bp = Blueprint("api_board", __name__)

ANNOUNCE_LIMIT = 50
HEARTBEAT_S = 15.0
STREAM_LIFETIME_S = 600.0  # recycle streams so a dead TV never holds a thread for long
# A burst of calls (40 counters at once) becomes at most one ring per board every 50 ms: the
# board fetches `since` anyway, so nothing is lost, and the server is not asked for the board
# hundreds of times a second (B2 measured 38 % of server time in board fetches without this).
COALESCE_S = 0.05
# After a burst the board snapshot may be up to BoardCache.max_age_s old; one more ring this long
# after the last one makes every board fetch the settled state.
SETTLE_S = 0.3


@bp.get("/api/v1/board")
def board() -> Response:
    context = web()
    since = request.args.get("since")
    snapshot = context.board.get()
    body = dict(snapshot)
    # The site's time now, so the board's clock shows what the receipts print (not the TV's
    # zone or its unset clock); the board keeps it ticking from its own monotonic time.
    body["now"] = (
        context.core.clock.now().astimezone(zone(snapshot["zone"])).isoformat(timespec="seconds")
    )
    if since is not None:
        after = query_int("since", 0, low=0, high=2**62)
        calls = calls_since(context.core.db, after, ANNOUNCE_LIMIT)
        body["calls"] = calls
        body["more"] = len(calls) == ANNOUNCE_LIMIT
    else:
        body["calls"] = []
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.put("/api/v1/board/message")
@require("admin")
def put_message() -> Response:
    """The running text under every board: announcements, hours, the day's requirements."""
    text = json_body().get("text")
    if not isinstance(text, str):
        raise ApiError(
            400, "invalid_board_message", "Kolom 'text' (teks berjalan) wajib berupa teks."
        )
    line = one_line(text)
    if len(line) > MESSAGE_MAX:
        raise too_long("text", MESSAGE_MAX)  # 422, like every text over its field's limit
    context = web()
    set_message(context.core.db, line)
    context.doorbell.ring()  # every board fetches the new text now
    return jsonify({"text": line})


@bp.get("/api/v1/stream")
def stream() -> Response:
    context = web()
    address = request.remote_addr or ""
    if not context.streams.enter(address):
        raise ApiError(
            503,
            "too_many_streams",
            "Terlalu banyak layar tersambung; halaman beralih ke pembaruan berkala.",
            headers={"Retry-After": "30"},
        )
    disconnected = request.environ.get("waitress.client_disconnected")
    doorbell = context.doorbell
    gate = context.streams

    def events() -> Iterator[str]:
        try:
            rings = doorbell.rings
            yield f"retry: 3000\nevent: version\ndata: {doorbell.version}\n\n"
            started = time.monotonic()
            settle_at: float | None = None
            while time.monotonic() - started < STREAM_LIFETIME_S:
                now = time.monotonic()
                timeout = HEARTBEAT_S if settle_at is None else max(0.0, settle_at - now)
                new_rings, version = doorbell.wait(rings, timeout)
                if doorbell.closed or (disconnected is not None and disconnected()):
                    return
                if new_rings != rings:
                    rings = new_rings
                    yield f"event: version\ndata: {version}\n\n"
                    settle_at = time.monotonic() + SETTLE_S
                    time.sleep(COALESCE_S)
                elif settle_at is not None:
                    settle_at = None
                    yield f"event: version\ndata: {version}\n\n"
                else:
                    yield ": heartbeat\n\n"
        finally:
            gate.leave(address)

    response = Response(events(), mimetype="text/event-stream")
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Accel-Buffering"] = "no"
    return response


def _announcement(speak: Callable[[Any], bytes]) -> Response:
    """A WAV from the announcer, cacheable for good (a call or a number never changes)."""
    announcer = web().announcer
    if announcer is None:
        raise ApiError(404, "announcements_unavailable", "Suara panggilan belum tersedia.")
    try:
        audio = speak(announcer)
    except ClipError as exc:
        raise ApiError(
            503,
            "voice_clips_broken",
            "Rekaman suara panggilan rusak; hubungi admin.",
            details=list(exc.problems),
        ) from None
    response = Response(audio, mimetype="audio/wav")
    response.headers["Cache-Control"] = "public, max-age=86400, immutable"
    return response


@bp.get("/api/v1/announcements/<int:call_id>.wav")
def announcement(call_id: int) -> Response:
    return _announcement(lambda announcer: announcer.wav_for_call(call_id))


@bp.get("/api/v1/announcements/number/<string:number>.wav")
def spoken_number(number: str) -> Response:
    """A number as the kiosk says it when it hands it out ("Nomor antrean A dua belas"), so a
    blind citizen hears what they hold; only letters and digits are said, nothing personal."""
    try:
        return _announcement(lambda announcer: announcer.wav_for_number(number))
    except ValueError:
        raise ApiError(400, "invalid_number", "Nomor antrean tidak dikenali.") from None

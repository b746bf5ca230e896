"""SKM: `POST /api/v1/surveys` from whoever holds a done ticket's status token, and
`GET /api/v1/surveys/awaiting` for a tablet fixed at a counter.

The tablet is a device, not a citizen: it authenticates with a machine token bound to its
counter (`mpp token create --role kiosk --counter L02 --name survei-L02`), or an officer of
that counter / a supervisor logged in on it. It is told only the ticket most recently finished
at THAT counter, unrated, within the last few minutes, so it can never offer (or rate) another
counter's citizen or yesterday's ticket.
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from appliance.queue import views
from appliance.skm.surveys import awaiting_survey, submit_survey
from web.auth import principal, require
from web.context import web
from web.kit.errors import ApiError
from web.kit.inputs import CODE, json_body, text_field

# How long after "done" a counter tablet still offers the survey: long enough to walk from the
# chair to the tablet, short enough that the next citizen is not shown the previous ticket.
AWAIT_MINUTES = 10

bp = Blueprint("api_surveys", __name__)


@bp.post("/api/v1/surveys")
def submit() -> tuple[Response, int]:
    context = web()
    data = json_body()
    token = text_field(data, "status_token", max_length=64)
    assert token is not None
    answers = data.get("answers")
    if not isinstance(answers, dict):
        raise ApiError(400, "invalid_survey", "Kolom 'answers' harus objek {\"U1\": 1..4, ...}.")
    respondent = data.get("respondent") or {}
    if not isinstance(respondent, dict):
        raise ApiError(400, "invalid_survey", "Kolom 'respondent' harus objek.")
    result = submit_survey(
        context.core.db, context.core.clock, context.questionnaire, token, answers, respondent
    )
    return jsonify(
        {
            "id": result.id,
            "ticket": result.ticket_number,
            "service": result.service,
            "business_date": result.business_date,
            "thanks": "Terima kasih atas penilaian Anda.",
        }
    ), 201


@bp.get("/api/v1/surveys/awaiting")
@require("kiosk")
def awaiting() -> Response:
    """The ticket a counter tablet should offer the survey for now: `{"ticket": {...}|null}`."""
    code = request.args.get("counter", "")
    if not CODE.match(code):
        raise ApiError(400, "invalid_query", "Parameter 'counter' (kode loket) wajib diisi.")
    who = principal()
    assert who is not None
    if not who.may_act_on(code):
        raise ApiError(
            403, "not_your_counter", f"Perangkat ini tidak ditugaskan untuk loket {code}."
        )
    context = web()
    counter_name = views.counter_name(context.core.db, code)
    if counter_name is None:
        raise ApiError(404, "counter_not_found", f"Loket {code} tidak dikenal.")
    found = awaiting_survey(context.core.db, context.core.clock, code, within_minutes=AWAIT_MINUTES)
    ticket = None
    if found is not None:
        ticket = {
            "status_token": found.status_token,
            "number": found.number,
            "service": found.service,
            "service_name": found.service_name,
            "finished_at": found.finished_at,
        }
    return jsonify(
        {
            "counter": code,
            "counter_name": counter_name,
            "within_minutes": AWAIT_MINUTES,
            "ticket": ticket,
        }
    )

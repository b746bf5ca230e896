"""`POST /api/v1/surveys`: an SKM response from whoever holds a done ticket's status token."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from appliance.surveys import submit_survey
from web.context import web
from web.errors import ApiError
from web.inputs import json_body, text_field

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

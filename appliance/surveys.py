"""SKM responses: one per finished ticket, stored with its event in one transaction.

The response is anonymous: it links to the ticket only to refuse a second response, and tickets
carry no personal data. Central receives the answers and the profile, never the status token.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from appliance import events, outbox
from appliance.clock import Clock
from appliance.models import DONE, Survey, Ticket
from appliance.questionnaire import Questionnaire, validate_respondent
from appliance.queue import Conflict, Invalid, NotFound
from appliance.skm import SkmError, validate_answers
from appliance.storage import ApplianceDatabase
from appliance.tickets import stamp


@dataclass(frozen=True)
class SubmittedSurvey:
    id: int
    ticket_number: str
    service: str
    business_date: str
    answers: dict[str, int]
    respondent: dict[str, str]


def submit_survey(
    db: ApplianceDatabase,
    clock: Clock,
    questionnaire: Questionnaire,
    status_token: str,
    answers: Mapping[str, object],
    respondent: Mapping[str, object] | None = None,
) -> SubmittedSurvey:
    """Validate and store one response for a done ticket; a second one is a Conflict."""
    try:
        clean_answers = validate_answers(answers)
        clean_profile = validate_respondent(questionnaire, respondent or {})
    except SkmError as exc:
        raise Invalid("invalid_survey", str(exc)) from exc
    with db.write():
        ticket = Ticket.get_or_none(Ticket.status_token == status_token)
        if ticket is None:
            raise NotFound("ticket_not_found", "Tiket tidak ditemukan.")
        if ticket.state != DONE:
            raise Conflict("not_done", "Survei dapat diisi setelah layanan selesai.")
        if Survey.select().where(Survey.ticket == ticket.id).exists():
            raise Conflict("already_submitted", "Survei untuk tiket ini sudah diisi. Terima kasih.")
        now = clock.now()
        survey = Survey.create(
            ticket=ticket.id,
            service=ticket.service_id,
            business_date=ticket.business_date,
            answers=json.dumps(clean_answers),
            respondent=json.dumps(clean_profile, ensure_ascii=False),
            submitted_at=stamp(now),
        )
        outbox.append(
            db,
            events.SURVEY_SUBMITTED,
            {
                "survey_id": survey.id,
                "service": ticket.service_id,
                "business_date": str(ticket.business_date),
                "answers": clean_answers,
                "respondent": clean_profile,
            },
            at=now,
            clock_synced=clock.synchronised(),
        )
    return SubmittedSurvey(
        id=int(survey.id),
        ticket_number=ticket.number,
        service=ticket.service_id,
        business_date=str(ticket.business_date),
        answers=clean_answers,
        respondent=clean_profile,
    )

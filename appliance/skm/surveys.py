"""SKM responses: one per finished ticket, stored with its event in one transaction.

The response is anonymous: the stored row names the service and business day, never the
ticket. One response per ticket is kept by a one-way `surveyed` flag on the ticket, set in the
same transaction, so the database can say "this ticket was rated" but not "this rating came
from that ticket". The stored time is cut to the hour for the same reason. Central receives
the answers and the profile, never the status token or the ticket.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from appliance.clock import Clock
from appliance.queue import events, outbox
from appliance.queue.errors import Conflict, Invalid, NotFound
from appliance.queue.tickets import stamp
from appliance.skm.arithmetic import SkmError, validate_answers
from appliance.skm.questionnaire import Questionnaire, validate_respondent
from appliance.storage.database import ApplianceDatabase, connected
from appliance.storage.models import DONE, Service, Survey, Ticket


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
        # The flag flips inside the IMMEDIATE transaction: two racing submissions cannot both
        # see it unset.
        marked = (
            Ticket.update(surveyed=True)
            .where((Ticket.id == ticket.id) & (Ticket.surveyed == False))  # noqa: E712
            .execute()
        )
        if marked != 1:
            raise Conflict("already_submitted", "Survei untuk tiket ini sudah diisi. Terima kasih.")
        now = clock.now()
        survey = Survey.create(
            service=ticket.service_id,
            business_date=ticket.business_date,
            answers=json.dumps(clean_answers),
            respondent=json.dumps(clean_profile, ensure_ascii=False),
            submitted_at=stamp(now.replace(minute=0, second=0, microsecond=0)),
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


@dataclass(frozen=True)
class AwaitingSurvey:
    """A ticket a counter tablet may offer the survey for (see `awaiting_survey`)."""

    status_token: str
    number: str
    service: str
    service_name: str
    counter: str
    finished_at: str


def awaiting_survey(
    db: ApplianceDatabase, clock: Clock, counter_code: str, *, within_minutes: int
) -> AwaitingSurvey | None:
    """The ticket a tablet fixed at `counter_code` should offer the survey for, if any.

    Only the ticket most recently finished at that counter, and only while it is unrated and
    finished less than `within_minutes` ago: the next citizen at the counter must not be shown
    (and rate) the previous citizen's ticket, and an old ticket must not be rated from the desk.
    """
    cutoff = stamp(clock.now() - timedelta(minutes=within_minutes))
    with connected(db):
        ticket = (
            Ticket.select(Ticket, Service.name)
            .join(Service)
            .where(
                (Ticket.counter == counter_code)
                & (Ticket.state == DONE)
                & Ticket.finished_at.is_null(False)
            )
            .order_by(Ticket.finished_at.desc(), Ticket.id.desc())
            .first()
        )
        if ticket is None or ticket.surveyed or ticket.finished_at < cutoff:
            return None
        return AwaitingSurvey(
            status_token=ticket.status_token,
            number=ticket.number,
            service=ticket.service_id,
            service_name=ticket.service.name,
            counter=counter_code,
            finished_at=ticket.finished_at,
        )


@dataclass(frozen=True)
class SurveyState:
    """What the survey page of a status token should show (no personal data, like /t/)."""

    state: str  # "unknown" | "not_done" | "open" | "submitted"
    number: str = ""
    service_name: str = ""
    agency_name: str = ""


def survey_state(db: ApplianceDatabase, status_token: str) -> SurveyState:
    with connected(db):
        ticket = Ticket.get_or_none(Ticket.status_token == status_token)
        if ticket is None:
            return SurveyState("unknown")
        service = Service.get_by_id(ticket.service_id)
        if ticket.surveyed:
            state = "submitted"
        elif ticket.state == DONE:
            state = "open"
        else:
            state = "not_done"
        return SurveyState(state, ticket.number, service.name, service.agency.name)

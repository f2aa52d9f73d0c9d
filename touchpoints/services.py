"""Writes of the touchpoints app. Each one runs in one transaction, checks the policy,
writes the audit row and emits the event the nudges app turns into invitations,
reminders and the no-show follow-up (this app sends nothing itself).

Every event's payload carries what a consumer needs without another query: the
session's id, UID, cohort, squad, title, start (ISO 8601, UTC), length, sequence,
place and page; schedule, update and cancel also list the invitees."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from cohorts.models import Cohort, Squad
from core import audit
from core.errors import ApplicationError, invalid
from core.events import emit
from core.policy import require

from . import selectors
from .events import TouchpointVerb
from .models import Attendance, Rsvp, RsvpResponse, Touchpoint

# What the service accepts from a form or the API, and which of it a calendar shows:
# changing one of those sends an updated invitation (SEQUENCE + 1).
EDITABLE_FIELDS = ("title", "agenda", "starts_at", "duration_minutes", "join_url", "room", "capacity")
CALENDAR_FIELDS = frozenset({"title", "agenda", "starts_at", "duration_minutes", "join_url", "room"})
AUDITED_FIELDS = ["title", "agenda", "starts_at", "duration_minutes", "join_url", "room", "capacity", "squad",
                  "sequence", "cancelled_at", "cancel_reason"]


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def event_payload(touchpoint: Touchpoint, **extra: Any) -> dict[str, Any]:
    """What every touchpoint event carries."""
    return {
        "touchpoint_id": touchpoint.pk,
        "uid": str(touchpoint.uid),
        "cohort_id": touchpoint.cohort_id,
        "squad_id": touchpoint.squad_id,
        "title": touchpoint.title,
        "starts_at": _iso(touchpoint.starts_at),
        "ends_at": _iso(touchpoint.ends_at),
        "duration_minutes": touchpoint.duration_minutes,
        "sequence": touchpoint.sequence,
        "url": touchpoint.get_absolute_url(),
        "ics_url": reverse("touchpoints:invite_ics", args=[touchpoint.pk]),
        "join_url": touchpoint.join_url,
        "room": touchpoint.room,
        "cancelled": touchpoint.is_cancelled,
        **extra,
    }


def _save(touchpoint: Touchpoint) -> None:
    """Validate the row (as field messages) and save it."""
    try:
        touchpoint.full_clean(exclude=["created_by"])
    except ValidationError as exc:
        raise ApplicationError("Please correct the errors below.", errors={
            key: [str(m) for m in messages] for key, messages in exc.message_dict.items()}) from exc
    touchpoint.save()


def _clean_fields(fields: dict[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"Not a field of a live session: {', '.join(sorted(unknown))}")
    cleaned = dict(fields)
    for name in ("title", "agenda", "join_url", "room"):
        if name in cleaned:
            cleaned[name] = (cleaned[name] or "").strip()
    if "starts_at" in cleaned:
        starts_at = cleaned["starts_at"]
        if starts_at is None:
            raise invalid(starts_at="Say when the session starts.")
        if timezone.is_naive(starts_at):
            raise invalid(starts_at="Give the start time with its timezone.")
    return cleaned


def _check_future(starts_at: dt.datetime, now: dt.datetime) -> None:
    if starts_at <= now:
        raise invalid(starts_at="This time has passed; choose a later one.")


@transaction.atomic
def touchpoint_schedule(*, actor, cohort: Cohort, squad: Squad | None = None, now: dt.datetime | None = None,
                        **fields: Any) -> Touchpoint:
    """Schedule a live session of `cohort` (or of one of its squads). `fields`: title,
    agenda, starts_at, duration_minutes, join_url, room, capacity."""
    require(actor, "touchpoint.manage", cohort)
    now = now or timezone.now()
    fields = _clean_fields(fields)
    if squad is not None and squad.cohort_id != cohort.pk:
        raise invalid(squad="Choose a squad of this cohort.")
    if fields.get("starts_at") is not None:
        _check_future(fields["starts_at"], now)
    touchpoint = Touchpoint(cohort=cohort, squad=squad, created_by=actor, created_at=now, updated_at=now,
                            **{"agenda": "", "join_url": "", "room": "", **fields})
    _save(touchpoint)
    audit.record(actor=actor, action="touchpoint.schedule", target=touchpoint,
                 organization=cohort.organization,
                 changes=audit.diff({}, audit.snapshot(touchpoint, AUDITED_FIELDS)))
    emit(TouchpointVerb.EVENT_SCHEDULED, organization=cohort.organization, actor=actor, cohort=cohort,
         subject=touchpoint, payload=event_payload(
             touchpoint, capacity=touchpoint.capacity, invitee_ids=selectors.invitee_ids(touchpoint)))
    return touchpoint


def _locked(touchpoint: Touchpoint) -> Touchpoint:
    """The session's row, locked for the rest of the transaction (two facilitators
    editing at once, or the last place taken twice, wait for each other)."""
    # Only the session's own row: the squad is an outer join, which PostgreSQL will not lock.
    rows = Touchpoint.objects.select_for_update(of=("self",))
    return rows.select_related("cohort__organization", "squad").get(pk=touchpoint.pk)


def _check_open(touchpoint: Touchpoint, now: dt.datetime, doing: str) -> None:
    if touchpoint.is_cancelled:
        raise invalid(touchpoint=f"This session was cancelled; it can no longer be {doing}.")
    if touchpoint.has_started(now):
        raise invalid(touchpoint=f"This session has started; it can no longer be {doing}.")


@transaction.atomic
def touchpoint_update(*, actor, touchpoint: Touchpoint, now: dt.datetime | None = None,
                      **fields: Any) -> Touchpoint:
    """Change a session that has not started. A change of what calendars show (time,
    length, place, title, agenda) raises its SEQUENCE so the invitation is replaced."""
    require(actor, "touchpoint.manage", touchpoint)
    now = now or timezone.now()
    fields = _clean_fields(fields)
    touchpoint = _locked(touchpoint)
    _check_open(touchpoint, now, "changed")
    before = audit.snapshot(touchpoint, AUDITED_FIELDS)
    changed = sorted(name for name, value in fields.items() if getattr(touchpoint, name) != value)
    if not changed:
        return touchpoint
    if "starts_at" in changed:
        _check_future(fields["starts_at"], now)
    if "capacity" in changed and fields["capacity"] is not None:
        coming = Rsvp.objects.filter(touchpoint=touchpoint, response=RsvpResponse.YES).count()
        if fields["capacity"] < coming:
            raise invalid(capacity=f"{coming} people already said yes; offer at least {coming} places.")
    for name in changed:
        setattr(touchpoint, name, fields[name])
    if CALENDAR_FIELDS.intersection(changed):
        touchpoint.sequence += 1
    touchpoint.updated_at = now
    _save(touchpoint)
    audit.record(actor=actor, action="touchpoint.update", target=touchpoint,
                 organization=touchpoint.cohort.organization,
                 changes=audit.diff(before, audit.snapshot(touchpoint, AUDITED_FIELDS)))
    emit(TouchpointVerb.EVENT_UPDATED, organization=touchpoint.cohort.organization, actor=actor,
         cohort=touchpoint.cohort, subject=touchpoint, payload=event_payload(
             touchpoint, changed=changed, capacity=touchpoint.capacity,
             invitee_ids=selectors.invitee_ids(touchpoint)))
    return touchpoint


CANCEL_REASON_MAX_LENGTH = Touchpoint._meta.get_field("cancel_reason").max_length


@transaction.atomic
def touchpoint_cancel(*, actor, touchpoint: Touchpoint, reason: str,
                      now: dt.datetime | None = None) -> Touchpoint:
    """Cancel a session that has not started, saying why (invitees are told)."""
    require(actor, "touchpoint.manage", touchpoint)
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not reason:
        raise invalid(reason="Say why the session is cancelled; the invitees are told.")
    if len(reason) > CANCEL_REASON_MAX_LENGTH:
        raise invalid(reason=f"Keep the reason to {CANCEL_REASON_MAX_LENGTH} characters.")
    touchpoint = _locked(touchpoint)
    _check_open(touchpoint, now, "cancelled")
    before = audit.snapshot(touchpoint, AUDITED_FIELDS)
    touchpoint.cancelled_at = now
    touchpoint.cancel_reason = reason
    touchpoint.sequence += 1
    touchpoint.updated_at = now
    _save(touchpoint)
    audit.record(actor=actor, action="touchpoint.cancel", target=touchpoint,
                 organization=touchpoint.cohort.organization,
                 changes=audit.diff(before, audit.snapshot(touchpoint, AUDITED_FIELDS)))
    emit(TouchpointVerb.EVENT_CANCELLED, organization=touchpoint.cohort.organization, actor=actor,
         cohort=touchpoint.cohort, subject=touchpoint, payload=event_payload(
             touchpoint, reason=reason, invitee_ids=selectors.invitee_ids(touchpoint)))
    return touchpoint


@transaction.atomic
def rsvp_set(*, actor, touchpoint: Touchpoint, response: str, now: dt.datetime | None = None) -> Rsvp:
    """An invitee answers yes, no or maybe, until the session starts. A yes needs a
    free place; answering again changes the answer."""
    require(actor, "touchpoint.rsvp", touchpoint)
    now = now or timezone.now()
    if response not in RsvpResponse.values:
        raise invalid(response="Answer yes, no or maybe.")
    touchpoint = _locked(touchpoint)
    if touchpoint.is_cancelled:
        raise invalid(response="This session was cancelled; there is nothing to answer.")
    if touchpoint.has_started(now):
        raise invalid(response="This session has started; answers are closed.")
    rsvp = Rsvp.objects.filter(touchpoint=touchpoint, user=actor).first()
    previous = rsvp.response if rsvp is not None else None
    if previous == response:
        return rsvp
    if response == RsvpResponse.YES and touchpoint.capacity is not None:
        coming = Rsvp.objects.filter(touchpoint=touchpoint, response=RsvpResponse.YES).count()
        if coming >= touchpoint.capacity:
            raise invalid(response=f"This session is full: all {touchpoint.capacity} places are taken. "
                                   "Answer maybe to show you would come if a place frees up.")
    if rsvp is None:
        rsvp = Rsvp(touchpoint=touchpoint, user=actor)
    rsvp.response = response
    rsvp.responded_at = now
    rsvp.save()
    audit.record(actor=actor, action="touchpoint.rsvp", target=touchpoint,
                 organization=touchpoint.cohort.organization, changes={"response": [previous, response]})
    emit(TouchpointVerb.RSVP_CHANGED, organization=touchpoint.cohort.organization, actor=actor,
         cohort=touchpoint.cohort, subject=touchpoint, payload=event_payload(
             touchpoint, user_id=actor.pk, response=response, previous=previous))
    return rsvp


@transaction.atomic
def attendance_record(*, actor, touchpoint: Touchpoint, attended_user_ids, now: dt.datetime | None = None
                      ) -> dict[str, list[int]]:
    """Record who came, once the session has started: every invitee is marked present
    (in `attended_user_ids`) or absent. Recording again replaces the earlier record and
    emits the new state. Returns attended_ids, absent_ids and no_show_ids (said yes,
    did not come)."""
    require(actor, "touchpoint.manage", touchpoint)
    now = now or timezone.now()
    touchpoint = _locked(touchpoint)
    if touchpoint.is_cancelled:
        raise invalid(attended="This session was cancelled; there is no attendance to record.")
    if not touchpoint.has_started(now):
        raise invalid(attended="Record attendance once the session has started.")
    try:
        attended = {int(pk) for pk in attended_user_ids}
    except (TypeError, ValueError) as exc:
        raise invalid(attended="Choose people from the list of invitees.") from exc
    invited = selectors.invitee_ids(touchpoint)
    strangers = attended - set(invited)
    if strangers:
        # Worded the same for a stranger and an id nobody has.
        raise invalid(attended="Choose people from the list of invitees; "
                               f"{len(strangers)} of those chosen {'is' if len(strangers) == 1 else 'are'} "
                               "not invited to this session.")
    before = dict(Attendance.objects.filter(touchpoint=touchpoint).values_list("user_id", "attended"))
    for user_id in invited:
        present = user_id in attended
        Attendance.objects.update_or_create(touchpoint=touchpoint, user_id=user_id, defaults={
            "attended": present, "recorded_by": actor, "recorded_at": now})
    said_yes = set(Rsvp.objects.filter(touchpoint=touchpoint, response=RsvpResponse.YES)
                   .values_list("user_id", flat=True))
    result = {
        "attended_ids": [pk for pk in invited if pk in attended],
        "absent_ids": [pk for pk in invited if pk not in attended],
        "no_show_ids": [pk for pk in invited if pk not in attended and pk in said_yes],
    }
    after = {pk: pk in attended for pk in invited}
    audit.record(actor=actor, action="touchpoint.attendance", target=touchpoint,
                 organization=touchpoint.cohort.organization,
                 changes={str(pk): [before.get(pk), after[pk]]
                          for pk in invited if before.get(pk) != after[pk]})
    emit(TouchpointVerb.ATTENDANCE_RECORDED, organization=touchpoint.cohort.organization, actor=actor,
         cohort=touchpoint.cohort, subject=touchpoint, payload=event_payload(touchpoint, **result))
    return result

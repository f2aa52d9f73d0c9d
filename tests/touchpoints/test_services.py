"""The services of live sessions: who may schedule, change, cancel, answer and take
attendance; the rules (15-30 minutes, a place, capacity, timing); and the events the
nudges app consumes, with their payloads."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from cohorts.models import CohortRole
from core.errors import ApplicationError, PermissionDenied
from core.models import AuditEntry, Event
from tests.factories import MembershipFactory, SquadFactory
from touchpoints import services
from touchpoints.events import TouchpointVerb
from touchpoints.models import Attendance, Rsvp, Touchpoint

from .conftest import in_days, schedule, schedule_past

pytestmark = pytest.mark.django_db

PAYLOAD_KEYS = {"touchpoint_id", "uid", "cohort_id", "squad_id", "title", "starts_at", "duration_minutes",
                "sequence", "url"}


def events(verb: str) -> list[Event]:
    return list(Event.objects.filter(verb=verb).order_by("occurred_at"))


def errors_of(excinfo) -> dict:
    return excinfo.value.errors


# --- scheduling ------------------------------------------------------------------


def test_a_facilitator_schedules_a_session_and_the_event_carries_what_invitations_need(world):
    # When the facilitator schedules a 20-minute check-in
    session = schedule(world, capacity=8)

    # Then it is stored with a fresh UID and sequence 0, audited, and announced
    assert (session.sequence, session.created_by, session.capacity) == (0, world.facilitator, 8)
    assert AuditEntry.objects.filter(action="touchpoint.schedule", target_id=str(session.pk)).exists()
    [event] = events(TouchpointVerb.EVENT_SCHEDULED)
    assert set(event.payload) >= PAYLOAD_KEYS
    assert event.payload["uid"] == str(session.uid)
    assert event.payload["url"] == f"/sessions/{session.pk}/"
    utc = session.starts_at.astimezone(dt.UTC)
    assert event.payload["starts_at"] == utc.isoformat().replace("+00:00", "Z")
    assert (event.payload["cohort_id"], event.payload["squad_id"], event.payload["sequence"]) == (
        world.cohort.pk, None, 0)
    assert set(event.payload["invitee_ids"]) == {world.facilitator.pk, world.expert.pk, world.peer_mentor.pk,
                                                 world.learner.pk}
    assert (event.cohort_id, event.subject_id) == (world.cohort.pk, str(session.pk))


@pytest.mark.parametrize("role", ["hr_admin", "facilitator"])
def test_facilitators_and_hr_admins_schedule(world, role):
    assert schedule(world, actor=world.person(role)).pk


@pytest.mark.parametrize("role", ["analyst", "expert", "peer_mentor", "learner", "outsider"])
def test_others_may_not_schedule(world, role):
    with pytest.raises(PermissionDenied):
        schedule(world, actor=world.person(role))
    assert not Touchpoint.objects.exists()


def test_a_facilitator_may_not_schedule_in_a_cohort_they_do_not_run(world):
    with pytest.raises(PermissionDenied):
        schedule(world, cohort=world.other_cohort)


def test_another_organisation_may_not_schedule_in_the_cohort(world, other_world):
    with pytest.raises(PermissionDenied):
        schedule(world, actor=other_world.hr_admin)


@pytest.mark.parametrize("minutes", [14, 31, 0, 90])
def test_a_session_lasts_15_to_30_minutes(world, minutes):
    with pytest.raises(ApplicationError) as excinfo:
        schedule(world, duration_minutes=minutes)
    assert errors_of(excinfo) == {"duration_minutes": ["A live session lasts 15 to 30 minutes."]}


@pytest.mark.parametrize("minutes", [15, 30])
def test_the_bounds_themselves_are_fine(world, minutes):
    assert schedule(world, duration_minutes=minutes).duration_minutes == minutes


def test_the_database_refuses_a_session_of_the_wrong_length(world, session):
    with pytest.raises(IntegrityError), transaction.atomic():
        Touchpoint.objects.filter(pk=session.pk).update(duration_minutes=45)


def test_the_database_refuses_a_session_without_a_place(world, session):
    with pytest.raises(IntegrityError), transaction.atomic():
        Touchpoint.objects.filter(pk=session.pk).update(join_url="", room="")


def test_a_session_needs_a_join_link_or_a_room(world):
    with pytest.raises(ApplicationError) as excinfo:
        schedule(world, join_url="  ", room="")
    assert errors_of(excinfo) == {"join_url": ["Give a join link, a room, or both."]}
    assert schedule(world, join_url="", room="Room 4.12").location == "Room 4.12"


def test_a_session_starts_in_the_future(world):
    with pytest.raises(ApplicationError) as excinfo:
        schedule(world, starts_at=timezone.now() - dt.timedelta(minutes=1))
    assert "starts_at" in errors_of(excinfo)


def test_a_squad_only_session_needs_a_squad_of_the_cohort(world):
    other_squad = SquadFactory(cohort=world.other_cohort, name="Elsewhere")
    with pytest.raises(ApplicationError) as excinfo:
        schedule(world, squad=other_squad)
    assert errors_of(excinfo) == {"squad": ["Choose a squad of this cohort."]}
    session = schedule(world, squad=world.squad)
    [event] = events(TouchpointVerb.EVENT_SCHEDULED)
    assert event.payload["squad_id"] == world.squad.pk
    # the squad (the peer mentor and the learner) and the cohort's staff
    assert set(event.payload["invitee_ids"]) == {world.facilitator.pk, world.expert.pk, world.peer_mentor.pk,
                                                 world.learner.pk}
    assert session.squad == world.squad


# --- updating and cancelling --------------------------------------------------------


def test_changing_the_time_raises_the_sequence_and_keeps_the_uid(world, session):
    uid = session.uid
    updated = services.touchpoint_update(actor=world.facilitator, touchpoint=session,
                                         starts_at=in_days(3), duration_minutes=25)
    assert (updated.uid, updated.sequence) == (uid, 1)
    [event] = events(TouchpointVerb.EVENT_UPDATED)
    assert event.payload["sequence"] == 1
    assert event.payload["changed"] == ["duration_minutes", "starts_at"]
    assert set(event.payload) >= PAYLOAD_KEYS


@pytest.mark.parametrize("change", [{"title": "New title"}, {"agenda": "New agenda"}, {"room": "Room 1"},
                                    {"join_url": "https://meet.example.com/new"}])
def test_what_a_calendar_shows_raises_the_sequence(world, session, change):
    assert services.touchpoint_update(actor=world.facilitator, touchpoint=session, **change).sequence == 1


def test_capacity_alone_does_not_resend_the_invitation(world, session):
    updated = services.touchpoint_update(actor=world.facilitator, touchpoint=session, capacity=3)
    assert (updated.capacity, updated.sequence) == (3, 0)
    assert len(events(TouchpointVerb.EVENT_UPDATED)) == 1


def test_saving_the_same_values_changes_nothing(world, session):
    services.touchpoint_update(actor=world.facilitator, touchpoint=session, title=session.title)
    assert not events(TouchpointVerb.EVENT_UPDATED)


def test_capacity_cannot_drop_below_those_who_said_yes(world, session):
    services.rsvp_set(actor=world.learner, touchpoint=session, response="yes")
    services.rsvp_set(actor=world.peer_mentor, touchpoint=session, response="yes")
    with pytest.raises(ApplicationError) as excinfo:
        services.touchpoint_update(actor=world.facilitator, touchpoint=session, capacity=1)
    assert errors_of(excinfo) == {"capacity": ["2 people already said yes; offer at least 2 places."]}


@pytest.mark.parametrize("role", ["analyst", "expert", "learner"])
def test_only_those_who_run_the_cohort_change_or_cancel(world, session, role):
    with pytest.raises(PermissionDenied):
        services.touchpoint_update(actor=world.person(role), touchpoint=session, title="Mine")
    with pytest.raises(PermissionDenied):
        services.touchpoint_cancel(actor=world.person(role), touchpoint=session, reason="No")


def test_cancelling_raises_the_sequence_and_says_why(world, session):
    cancelled = services.touchpoint_cancel(actor=world.hr_admin, touchpoint=session, reason="Public holiday")
    assert (cancelled.sequence, cancelled.cancel_reason) == (1, "Public holiday")
    assert cancelled.is_cancelled
    [event] = events(TouchpointVerb.EVENT_CANCELLED)
    assert (event.payload["sequence"], event.payload["reason"], event.payload["cancelled"]) == (
        1, "Public holiday", True)
    assert set(event.payload) >= PAYLOAD_KEYS
    assert AuditEntry.objects.filter(action="touchpoint.cancel").exists()


def test_a_cancellation_needs_a_reason_and_happens_once(world, session):
    with pytest.raises(ApplicationError) as excinfo:
        services.touchpoint_cancel(actor=world.facilitator, touchpoint=session, reason="  ")
    assert "reason" in errors_of(excinfo)
    services.touchpoint_cancel(actor=world.facilitator, touchpoint=session, reason="Ill")
    with pytest.raises(ApplicationError):
        services.touchpoint_cancel(actor=world.facilitator, touchpoint=session, reason="Again")
    with pytest.raises(ApplicationError):
        services.touchpoint_update(actor=world.facilitator, touchpoint=session, title="Back on")
    assert Touchpoint.objects.get(pk=session.pk).sequence == 1


def test_a_session_that_started_can_no_longer_change(world):
    session = schedule_past(world)
    with pytest.raises(ApplicationError):
        services.touchpoint_update(actor=world.facilitator, touchpoint=session, title="Late")
    with pytest.raises(ApplicationError):
        services.touchpoint_cancel(actor=world.facilitator, touchpoint=session, reason="Late")


# --- RSVP --------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["facilitator", "expert", "peer_mentor", "learner"])
def test_every_member_answers(world, session, role):
    rsvp = services.rsvp_set(actor=world.person(role), touchpoint=session, response="maybe")
    assert rsvp.response == "maybe"


@pytest.mark.parametrize("role", ["hr_admin", "analyst", "outsider"])
def test_people_outside_the_cohort_do_not_answer(world, session, role):
    with pytest.raises(PermissionDenied):
        services.rsvp_set(actor=world.person(role), touchpoint=session, response="yes")


def test_changing_an_answer_emits_the_previous_one(world, session):
    services.rsvp_set(actor=world.learner, touchpoint=session, response="maybe")
    services.rsvp_set(actor=world.learner, touchpoint=session, response="yes")
    services.rsvp_set(actor=world.learner, touchpoint=session, response="yes")  # same again: nothing new
    first, second = events(TouchpointVerb.RSVP_CHANGED)
    assert (first.payload["previous"], first.payload["response"]) == (None, "maybe")
    assert (second.payload["previous"], second.payload["response"], second.payload["user_id"]) == (
        "maybe", "yes", world.learner.pk)
    assert set(second.payload) >= PAYLOAD_KEYS
    assert Rsvp.objects.get(touchpoint=session, user=world.learner).response == "yes"


def test_a_yes_is_refused_when_the_session_is_full(world):
    session = schedule(world, capacity=1)
    services.rsvp_set(actor=world.peer_mentor, touchpoint=session, response="yes")
    with pytest.raises(ApplicationError) as excinfo:
        services.rsvp_set(actor=world.learner, touchpoint=session, response="yes")
    assert errors_of(excinfo)["response"][0].startswith("This session is full: all 1 places are taken.")
    # maybe and no are still fine, and a place freed is taken
    services.rsvp_set(actor=world.learner, touchpoint=session, response="maybe")
    services.rsvp_set(actor=world.peer_mentor, touchpoint=session, response="no")
    assert services.rsvp_set(actor=world.learner, touchpoint=session, response="yes").response == "yes"


def test_answers_close_when_the_session_starts_or_is_cancelled(world, session):
    started = schedule_past(world, hours_ago=0.1)
    with pytest.raises(ApplicationError):
        services.rsvp_set(actor=world.learner, touchpoint=started, response="yes")
    services.touchpoint_cancel(actor=world.facilitator, touchpoint=session, reason="Ill")
    with pytest.raises(ApplicationError):
        services.rsvp_set(actor=world.learner, touchpoint=session, response="yes")


def test_an_unknown_answer_is_a_field_message(world, session):
    with pytest.raises(ApplicationError) as excinfo:
        services.rsvp_set(actor=world.learner, touchpoint=session, response="sure")
    assert errors_of(excinfo) == {"response": ["Answer yes, no or maybe."]}


def test_a_squad_only_session_is_for_that_squad_and_the_staff(world):
    session = schedule(world, squad=world.squad)
    stranger = MembershipFactory(cohort=world.cohort, role=CohortRole.LEARNER).user  # in no squad
    with pytest.raises(PermissionDenied):
        services.rsvp_set(actor=stranger, touchpoint=session, response="yes")
    for person in (world.learner, world.peer_mentor, world.expert, world.facilitator):
        services.rsvp_set(actor=person, touchpoint=session, response="yes")
    assert Rsvp.objects.filter(touchpoint=session).count() == 4


# --- attendance ----------------------------------------------------------------------


def test_attendance_records_every_invitee_and_names_the_no_shows(world):
    session = schedule_past(world)
    for person in (world.learner, world.peer_mentor):
        Rsvp.objects.create(touchpoint=session, user=person, response="yes")
    result = services.attendance_record(actor=world.facilitator, touchpoint=session,
                                        attended_user_ids=[world.peer_mentor.pk, world.facilitator.pk])
    assert set(result["attended_ids"]) == {world.peer_mentor.pk, world.facilitator.pk}
    assert set(result["absent_ids"]) == {world.learner.pk, world.expert.pk}
    assert result["no_show_ids"] == [world.learner.pk]
    assert Attendance.objects.filter(touchpoint=session).count() == 4
    [event] = events(TouchpointVerb.ATTENDANCE_RECORDED)
    assert event.payload["no_show_ids"] == [world.learner.pk]
    assert set(event.payload) >= PAYLOAD_KEYS


def test_attendance_may_be_recorded_again_and_emits_the_new_state(world):
    session = schedule_past(world)
    Rsvp.objects.create(touchpoint=session, user=world.learner, response="yes")
    services.attendance_record(actor=world.facilitator, touchpoint=session, attended_user_ids=[])
    services.attendance_record(actor=world.hr_admin, touchpoint=session, attended_user_ids=[world.learner.pk])
    assert Attendance.objects.filter(touchpoint=session).count() == 4
    assert Attendance.objects.get(touchpoint=session, user=world.learner).attended is True
    first, second = events(TouchpointVerb.ATTENDANCE_RECORDED)
    assert (first.payload["no_show_ids"], second.payload["no_show_ids"]) == ([world.learner.pk], [])
    assert second.payload["attended_ids"] == [world.learner.pk]


def test_attendance_opens_when_the_session_starts(world, session):
    with pytest.raises(ApplicationError) as excinfo:
        services.attendance_record(actor=world.facilitator, touchpoint=session, attended_user_ids=[])
    assert errors_of(excinfo) == {"attended": ["Record attendance once the session has started."]}


@pytest.mark.parametrize("role", ["analyst", "expert", "learner"])
def test_only_those_who_run_the_cohort_take_attendance(world, role):
    session = schedule_past(world)
    with pytest.raises(PermissionDenied):
        services.attendance_record(actor=world.person(role), touchpoint=session, attended_user_ids=[])


def test_attendance_names_invitees_only(world, other_world):
    session = schedule_past(world)
    for stranger in (world.outsider.pk, other_world.learner.pk, 987654):
        with pytest.raises(ApplicationError) as excinfo:
            services.attendance_record(actor=world.facilitator, touchpoint=session,
                                       attended_user_ids=[stranger])
        assert errors_of(excinfo)["attended"][0].startswith("Choose people from the list of invitees")
    assert not Attendance.objects.exists()


def test_the_demo_loads_twice_without_doubling(db):
    from cohorts.demo import load_demo as load_people
    from touchpoints.demo import load_demo

    load_people()
    assert load_demo() == {"touchpoints": 2}
    assert load_demo() == {"touchpoints": 0}
    upcoming, past = Touchpoint.objects.order_by("-starts_at")
    assert upcoming.rsvps.count() >= 2 and not upcoming.has_started()
    assert past.attendances.exists() and past.has_started()
    assert Attendance.objects.filter(touchpoint=past, attended=False).exists()

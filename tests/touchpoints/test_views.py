"""The portal pages of live sessions: a cohort's list, a session's page with RSVP and
the calendar file, and the facilitator's forms, which keep what was typed when a rule
is broken. Every page runs the same number of queries however many sessions or
people there are."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from cohorts.models import CohortRole
from tests.factories import MembershipFactory
from touchpoints import services
from touchpoints.models import Attendance, Rsvp, Touchpoint

from .conftest import in_days, schedule, schedule_past

pytestmark = pytest.mark.django_db


def form_data(**changes) -> dict:
    starts = (timezone.now() + dt.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    return {"title": "Week 3 check-in", "squad": "", "starts_at": starts, "duration_minutes": "20",
            "agenda": "1. Wins", "join_url": "https://meet.example.com/x", "room": "", "capacity": "",
            **changes}


def test_the_cohort_page_links_to_its_live_sessions(world, portal_client):
    page = portal_client(world.learner).get(reverse("portal:cohort_detail", args=[world.cohort.pk]))
    assert reverse("touchpoints:cohort_sessions", args=[world.cohort.pk]) in page.content.decode()


def test_the_list_shows_upcoming_and_past_sessions_with_my_answer(world, portal_client):
    upcoming = schedule(world, title="Next week's call")
    past = schedule_past(world, title="Last week's call", hours_ago=30)
    services.rsvp_set(actor=world.learner, touchpoint=upcoming, response="maybe")

    url = reverse("touchpoints:cohort_sessions", args=[world.cohort.pk])
    response = portal_client(world.learner).get(url)

    assert response.status_code == 200
    sessions = response.context["sessions"]
    assert ([s.pk for s in sessions.upcoming], [s.pk for s in sessions.past]) == ([upcoming.pk], [past.pk])
    assert sessions.upcoming[0].my_response == "maybe"
    assert "Schedule a session" not in response.content.decode()
    facilitator_view = portal_client(world.facilitator).get(
        reverse("touchpoints:cohort_sessions", args=[world.cohort.pk]))
    assert "Schedule a session" in facilitator_view.content.decode()


def test_a_squad_only_session_is_not_listed_for_other_members(world, portal_client):
    schedule(world, squad=world.squad, title="Alpha huddle")
    stranger = MembershipFactory(cohort=world.cohort, role=CohortRole.LEARNER).user
    page = portal_client(stranger).get(reverse("touchpoints:cohort_sessions", args=[world.cohort.pk]))
    assert "Alpha huddle" not in page.content.decode()
    session = Touchpoint.objects.get()
    assert portal_client(stranger).get(reverse("touchpoints:detail", args=[session.pk])).status_code == 404


def test_the_session_page_shows_the_time_in_the_viewers_timezone(world, portal_client):
    world.learner.timezone = "Asia/Tokyo"
    world.learner.save()
    start = (timezone.now() + dt.timedelta(days=2)).replace(hour=6, minute=0, second=0, microsecond=0)
    session = schedule(world, starts_at=start)
    page = portal_client(world.learner).get(reverse("touchpoints:detail", args=[session.pk])).content.decode()
    assert "15:00" in page and "Asia/Tokyo" in page  # 06:00 UTC


def test_a_member_answers_from_the_session_page(world, portal_client):
    session = schedule(world, capacity=5)
    client = portal_client(world.learner)

    response = client.post(reverse("touchpoints:rsvp", args=[session.pk]), {"response": "yes"}, follow=True)

    assert response.status_code == 200
    assert Rsvp.objects.get(touchpoint=session, user=world.learner).response == "yes"
    page = response.content.decode()
    assert "Your answer is saved: yes." in page
    assert "5 places, 4 left" in page
    assert world.learner.display_name in page


def test_a_full_session_says_so(world, portal_client):
    session = schedule(world, capacity=1)
    services.rsvp_set(actor=world.peer_mentor, touchpoint=session, response="yes")
    response = portal_client(world.learner).post(reverse("touchpoints:rsvp", args=[session.pk]),
                                                 {"response": "yes"}, follow=True)
    assert "This session is full" in response.content.decode()
    assert not Rsvp.objects.filter(user=world.learner).exists()


def test_add_to_calendar_downloads_my_invitation(world, portal_client):
    session = schedule(world)
    services.rsvp_set(actor=world.learner, touchpoint=session, response="no")
    response = portal_client(world.learner).get(reverse("touchpoints:invite_ics", args=[session.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    [event] = Calendar.from_ical(response.content).walk("VEVENT")
    assert event["ATTENDEE"].params["PARTSTAT"] == "DECLINED"
    # someone who sees it but is not invited gets it without an attendee
    analyst = portal_client(world.analyst).get(reverse("touchpoints:invite_ics", args=[session.pk]))
    [event] = Calendar.from_ical(analyst.content).walk("VEVENT")
    assert "ATTENDEE" not in event


def test_the_facilitator_schedules_from_the_form(world, portal_client):
    response = portal_client(world.facilitator).post(
        reverse("touchpoints:schedule", args=[world.cohort.pk]), form_data(squad=str(world.squad.pk)))
    session = Touchpoint.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/sessions/{session.pk}/"
    assert (session.title, session.squad, session.duration_minutes) == ("Week 3 check-in", world.squad, 20)


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"duration_minutes": "45"}, "duration_minutes", "A live session lasts 15 to 30 minutes."),
    ({"join_url": "", "room": ""}, "join_url", "Give a join link, a room, or both."),
    ({"starts_at": "2020-01-06T10:00"}, "starts_at", "This time has passed; choose a later one."),
    ({"capacity": "0"}, "capacity", "Offer at least one place."),
])
def test_a_broken_rule_shows_the_form_again_with_what_was_typed(world, portal_client, changes, field,
                                                                 message):
    response = portal_client(world.facilitator).post(reverse("touchpoints:schedule", args=[world.cohort.pk]),
                                                     form_data(agenda="Keep this text", **changes))
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    page = response.content.decode()
    assert "Keep this text" in page and 'value="Week 3 check-in"' in page
    assert not Touchpoint.objects.exists()


def test_the_facilitator_edits_a_session(world, portal_client):
    session = schedule(world)
    client = portal_client(world.facilitator)
    form = client.get(reverse("touchpoints:edit", args=[session.pk]))
    assert form.status_code == 200 and 'value="Week 2 check-in"' in form.content.decode()

    bad = client.post(reverse("touchpoints:edit", args=[session.pk]), form_data(title="Renamed",
                                                                                duration_minutes="10"))
    assert bad.status_code == 200 and 'value="Renamed"' in bad.content.decode()

    client.post(reverse("touchpoints:edit", args=[session.pk]), form_data(title="Renamed"))
    session.refresh_from_db()
    assert (session.title, session.sequence) == ("Renamed", 1)


def test_the_facilitator_cancels_with_a_reason(world, portal_client):
    session = schedule(world)
    client = portal_client(world.facilitator)
    assert "reason" in client.get(reverse("touchpoints:cancel", args=[session.pk])).content.decode()

    empty = client.post(reverse("touchpoints:cancel", args=[session.pk]), {"reason": ""})
    assert empty.status_code == 200 and empty.context["form"].errors["reason"]

    done = client.post(reverse("touchpoints:cancel", args=[session.pk]), {"reason": "Public holiday"},
                       follow=True)
    assert "Public holiday" in done.content.decode()
    assert Touchpoint.objects.get(pk=session.pk).is_cancelled


def test_the_facilitator_takes_attendance_with_the_answers_shown(world, portal_client):
    session = schedule_past(world)
    Rsvp.objects.create(touchpoint=session, user=world.learner, response="yes")
    client = portal_client(world.facilitator)

    sheet = client.get(reverse("touchpoints:attendance", args=[session.pk]))
    assert sheet.status_code == 200
    assert sheet.context["checked"] == {world.learner.pk}  # who said yes is ticked to start with
    assert len(sheet.context["sheet"]) == 4

    response = client.post(reverse("touchpoints:attendance", args=[session.pk]),
                           {"attended": [world.peer_mentor.pk]})
    assert response.status_code == 302
    came = Attendance.objects.filter(touchpoint=session, attended=True).values_list("user", flat=True)
    assert set(came) == {world.peer_mentor.pk}

    bad = client.post(reverse("touchpoints:attendance", args=[session.pk]),
                      {"attended": [world.peer_mentor.pk, world.outsider.pk]})
    assert bad.status_code == 200 and "Choose people from the list of invitees" in bad.content.decode()
    assert bad.context["checked"] == {world.peer_mentor.pk}


def test_attendance_waits_for_the_start(world, portal_client):
    session = schedule(world)
    page = portal_client(world.facilitator).get(reverse("touchpoints:attendance", args=[session.pk]))
    assert "Attendance opens when the session starts." in page.content.decode()


@pytest.mark.parametrize("name", ["schedule", "edit", "cancel", "attendance"])
def test_members_who_do_not_run_the_cohort_are_refused_the_forms(world, portal_client, name):
    session = schedule(world)
    pk = world.cohort.pk if name == "schedule" else session.pk
    assert portal_client(world.learner).get(reverse(f"touchpoints:{name}", args=[pk])).status_code == 403


def _grow(world, sessions: int, people: int):
    for index in range(people):
        MembershipFactory(cohort=world.cohort, squad=world.squad if index % 2 else None)
    members = list(world.cohort.memberships.select_related("user"))
    for index in range(sessions):
        session = schedule(world, title=f"Call {index}", starts_at=in_days(2 + index))
        for membership in members[: 2 + index]:
            Rsvp.objects.create(touchpoint=session, user=membership.user, response="yes")
        past = schedule_past(world, hours_ago=24 * (index + 1), title=f"Past {index}")
        Attendance.objects.create(touchpoint=past, user=world.learner, attended=True)
    return Touchpoint.objects.filter(starts_at__gt=timezone.now()).first(), Touchpoint.objects.filter(
        starts_at__lt=timezone.now()).first()


@pytest.mark.parametrize("size", [(1, 1), (6, 8)])
@pytest.mark.parametrize("page", ["cohort_sessions", "detail", "attendance", "edit", "invite_ics"])
def test_pages_run_a_constant_number_of_queries(world, portal_client, django_assert_max_num_queries, size,
                                                page):
    upcoming, past = _grow(world, *size)
    client = portal_client(world.facilitator)
    pk = {"cohort_sessions": world.cohort.pk, "attendance": past.pk}.get(page, upcoming.pk)
    with django_assert_max_num_queries(14):
        response = client.get(reverse(f"touchpoints:{page}", args=[pk]))
    assert response.status_code == 200

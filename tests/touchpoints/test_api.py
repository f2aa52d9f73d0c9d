"""Live sessions over the REST API: lists filtered by cohort and time, scheduling with
field messages, the actions (cancel, RSVP, attendance, the calendar file), and who
may do what."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from icalendar import Calendar

from tests.factories import MembershipFactory
from touchpoints.models import Rsvp, Touchpoint

from .conftest import schedule, schedule_past

pytestmark = pytest.mark.django_db


def body(world, **changes) -> dict:
    starts = (timezone.now() + dt.timedelta(days=3)).replace(microsecond=0)
    return {"cohort": world.cohort.pk, "title": "Week 3 check-in", "agenda": "1. Wins",
            "starts_at": starts.isoformat(), "duration_minutes": 20,
            "join_url": "https://meet.example.com/x", **changes}


def test_a_facilitator_schedules_over_the_api(world, api_client):
    client = api_client(world.facilitator)
    response = client.post("/api/v1/touchpoints/", body(world, capacity=6), format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    session = Touchpoint.objects.get()
    assert (data["id"], data["sequence"], data["uid"]) == (session.pk, 0, str(session.uid))
    assert data["capacity"] == 6
    assert (data["yes_count"], data["my_response"], data["url"]) == (0, None, f"/sessions/{session.pk}/")


@pytest.mark.parametrize(("changes", "field"), [
    ({"duration_minutes": 31}, "duration_minutes"),
    ({"join_url": ""}, "join_url"),
    ({"join_url": "not a link"}, "join_url"),
    ({"starts_at": "2020-01-01T10:00:00Z"}, "starts_at"),
    ({"starts_at": "0001-01-01T00:00:00+14:00"}, "starts_at"),
    ({"capacity": 0}, "capacity"),
    ({"title": ""}, "title"),
])
def test_bad_input_is_a_400_with_field_messages(world, api_client, changes, field):
    client = api_client(world.facilitator)
    response = client.post("/api/v1/touchpoints/", body(world, **changes), format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"], response.json()
    assert not Touchpoint.objects.exists()


def test_a_squad_of_another_organisation_is_a_field_message(world, other_world, api_client):
    response = api_client(world.facilitator).post("/api/v1/touchpoints/",
                                                  body(world, squad=other_world.squad.pk), format="json")
    assert response.status_code == 400 and "squad" in response.json()["errors"]


@pytest.mark.parametrize(("role", "expected"), [("hr_admin", 201), ("facilitator", 201), ("analyst", 403),
                                                ("expert", 403), ("learner", 403), ("outsider", 400)])
def test_who_schedules(world, api_client, role, expected):
    response = api_client(world.person(role)).post("/api/v1/touchpoints/", body(world), format="json")
    assert response.status_code == expected


def test_patch_changes_the_session_and_raises_the_sequence(world, api_client):
    session = schedule(world)
    client = api_client(world.facilitator)
    response = client.patch(f"/api/v1/touchpoints/{session.pk}/", {"room": "Room 2"}, format="json")
    assert response.status_code == 200 and response.json()["sequence"] == 1
    assert client.put(f"/api/v1/touchpoints/{session.pk}/", body(world), format="json").status_code == 405
    refused = api_client(world.learner).patch(f"/api/v1/touchpoints/{session.pk}/", {"room": "X"},
                                              format="json")
    assert refused.status_code == 403


def test_cancel_rsvp_and_ics_actions(world, api_client):
    session = schedule(world, capacity=1)
    learner = api_client(world.learner)

    answered = learner.post(f"/api/v1/touchpoints/{session.pk}/rsvp/", {"response": "yes"}, format="json")
    assert answered.status_code == 200
    assert (answered.json()["my_response"], answered.json()["yes_count"]) == ("yes", 1)
    full = api_client(world.peer_mentor).post(f"/api/v1/touchpoints/{session.pk}/rsvp/", {"response": "yes"},
                                              format="json")
    assert full.status_code == 400 and "full" in full.json()["errors"]["response"][0]
    unknown = learner.post(f"/api/v1/touchpoints/{session.pk}/rsvp/", {"response": "sure"}, format="json")
    assert unknown.status_code == 400 and "response" in unknown.json()["errors"]

    calendar = learner.get(f"/api/v1/touchpoints/{session.pk}/ics/")
    assert calendar.status_code == 200 and calendar["Content-Type"].startswith("text/calendar")
    [event] = Calendar.from_ical(calendar.content).walk("VEVENT")
    assert event["ATTENDEE"].params["PARTSTAT"] == "ACCEPTED"

    blank = api_client(world.facilitator).post(f"/api/v1/touchpoints/{session.pk}/cancel/", {"reason": ""},
                                               format="json")
    assert blank.status_code == 400 and "reason" in blank.json()["errors"]
    cancelled = api_client(world.facilitator).post(f"/api/v1/touchpoints/{session.pk}/cancel/",
                                                   {"reason": "Ill"}, format="json")
    assert cancelled.status_code == 200 and cancelled.json()["cancel_reason"] == "Ill"
    assert cancelled.json()["sequence"] == 1
    after = Calendar.from_ical(learner.get(f"/api/v1/touchpoints/{session.pk}/ics/").content)
    assert str(after["METHOD"]) == "CANCEL"


def test_attendance_action(world, other_world, api_client):
    session = schedule_past(world)
    Rsvp.objects.create(touchpoint=session, user=world.learner, response="yes")
    client = api_client(world.facilitator)
    response = client.post(f"/api/v1/touchpoints/{session.pk}/attendance/", {"attended": [world.expert.pk]},
                           format="json")
    assert response.status_code == 200
    assert response.json()["no_show_ids"] == [world.learner.pk]
    stranger = client.post(f"/api/v1/touchpoints/{session.pk}/attendance/",
                           {"attended": [other_world.learner.pk]}, format="json")
    missing = client.post(f"/api/v1/touchpoints/{session.pk}/attendance/", {"attended": [987654]},
                          format="json")
    assert stranger.status_code == missing.status_code == 400
    assert stranger.json() == missing.json()
    assert api_client(world.learner).post(f"/api/v1/touchpoints/{session.pk}/attendance/", {"attended": []},
                                          format="json").status_code == 403


def test_lists_filter_by_cohort_and_upcoming(world, api_client):
    upcoming = schedule(world)
    past = schedule_past(world, hours_ago=5)
    running = schedule_past(world, hours_ago=0.1)  # started 6 minutes ago, 20 minutes long
    client = api_client(world.learner)

    def ids(**params):
        response = client.get("/api/v1/touchpoints/", params)
        assert response.status_code == 200
        return [row["id"] for row in response.json()["results"]]

    assert ids() == [past.pk, running.pk, upcoming.pk]
    assert ids(upcoming="true") == [running.pk, upcoming.pk]
    assert ids(upcoming="false") == [past.pk]
    assert ids(cohort=world.cohort.pk) == [past.pk, running.pk, upcoming.pk]
    assert client.get("/api/v1/touchpoints/", {"cohort": world.other_cohort.pk}).status_code == 400


def test_another_organisation_sees_nothing(world, other_world, api_client):
    session = schedule(world)
    client = api_client(other_world.hr_admin)
    assert client.get("/api/v1/touchpoints/").json()["results"] == []
    for path in (f"{session.pk}/", f"{session.pk}/ics/"):
        assert client.get(f"/api/v1/touchpoints/{path}").status_code == 404
    assert client.post(f"/api/v1/touchpoints/{session.pk}/cancel/", {"reason": "x"},
                       format="json").status_code == 404


@pytest.mark.parametrize("size", [1, 8])
def test_the_list_runs_a_constant_number_of_queries(world, api_client, django_assert_max_num_queries, size):
    for index in range(size):
        session = schedule(world, title=f"Call {index}")
        for _ in range(index + 1):
            Rsvp.objects.create(touchpoint=session, user=MembershipFactory(cohort=world.cohort).user,
                                response="maybe")
    client = api_client(world.learner)
    with django_assert_max_num_queries(6):
        response = client.get("/api/v1/touchpoints/")
    assert len(response.json()["results"]) == size

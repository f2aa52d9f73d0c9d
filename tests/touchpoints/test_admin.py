"""Live sessions in the admin: HR admins read a session with its answers and attendance;
nothing there changes it (the portal and the API do, through the services)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from touchpoints import services
from touchpoints.models import Rsvp

from .conftest import schedule, schedule_past

pytestmark = pytest.mark.django_db


def test_the_changelist_and_change_page_load_read_only(world, client):
    session = schedule(world, title="Week 2 check-in")
    services.rsvp_set(actor=world.learner, touchpoint=session, response="yes")
    past = schedule_past(world, title="Kick-off")
    services.attendance_record(actor=world.facilitator, touchpoint=past, attended_user_ids=[world.learner.pk])
    client.force_login(world.hr_admin)

    listing = client.get(reverse("admin:touchpoints_touchpoint_changelist"))
    assert listing.status_code == 200
    assert "Week 2 check-in" in listing.content.decode() and "Kick-off" in listing.content.decode()

    for obj in (session, past):
        page = client.get(reverse("admin:touchpoints_touchpoint_change", args=[obj.pk]))
        assert page.status_code == 200
        assert b'name="_save"' not in page.content
    page = client.get(reverse("admin:touchpoints_touchpoint_change", args=[past.pk])).content.decode()
    assert world.learner.display_name in page
    assert client.get(reverse("admin:touchpoints_touchpoint_add")).status_code == 403
    assert client.post(reverse("admin:touchpoints_touchpoint_delete", args=[session.pk]),
                       {"post": "yes"}).status_code == 403
    assert Rsvp.objects.filter(touchpoint=session).exists()


def test_learners_cannot_open_it(world, client):
    client.force_login(world.learner)
    response = client.get(reverse("admin:touchpoints_touchpoint_changelist"))
    assert response.status_code == 302

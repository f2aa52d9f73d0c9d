"""The demo data behind `make run`: loading it again changes nothing, and the
printed logins work with the printed password."""

from io import StringIO

import pytest
from django.contrib.auth import authenticate, get_user
from django.core.management import call_command
from django.urls import reverse

from cohorts.demo import DEMO_PASSWORD, demo_logins, load_demo
from cohorts.models import (
    Cohort,
    CohortMembership,
    CohortStep,
    JourneyStep,
    JourneyTemplate,
    Organization,
    OrganizationMembership,
    Squad,
    User,
)
from core.models import AuditEntry, Event

pytestmark = pytest.mark.django_db

COUNTED = [Organization, OrganizationMembership, User, JourneyTemplate, JourneyStep, Cohort,
           CohortStep, CohortMembership, Squad, Event, AuditEntry]


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in COUNTED}


def test_loading_the_demo_twice_changes_nothing_the_second_time():
    # Given the demo loaded once
    first = load_demo()
    after_first = counts()

    # When it is loaded again
    second = load_demo()

    # Then nothing was created and every count is the same
    assert first == {"organizations": 2, "users": 18, "cohorts": 2}
    assert second == {"organizations": 0, "users": 0, "cohorts": 0}
    assert counts() == after_first
    assert after_first["Squad"] == 3
    assert after_first["CohortMembership"] == 15  # 12 learners, facilitator, expert; spring's facilitator
    assert after_first["JourneyStep"] == 10
    assert after_first["CohortStep"] == 20  # the template's steps in each of the two cohorts


def test_the_load_demo_command_reports_nothing_created_on_the_second_run():
    first, second = StringIO(), StringIO()

    call_command("load_demo", stdout=first)
    after_first = counts()
    call_command("load_demo", stdout=second)

    loaded = "Demo data loaded: 2 organizations, 18 users, 2 cohorts, 2 peer review assignments"
    assert loaded in first.getvalue()
    assert "Demo data already present; nothing changed." in second.getvalue()
    assert "Demo data loaded" not in second.getvalue()
    assert counts() == after_first


def test_every_printed_demo_login_authenticates_with_the_demo_password():
    load_demo()

    refused = [f"{label} ({email})" for label, email in demo_logins()
               if getattr(authenticate(username=email, password=DEMO_PASSWORD), "email", None) != email]

    assert not refused, f"cannot sign in: {refused}"
    assert authenticate(username="learner@acme.example", password="wrong-password") is None


def test_the_demo_learner_signs_in_through_the_login_form(client):
    load_demo()

    response = client.post(reverse("account_login"),
                           {"login": "learner@acme.example", "password": DEMO_PASSWORD})

    assert response.status_code == 302
    assert response.url == reverse("portal:home")
    assert get_user(client).email == "learner@acme.example"

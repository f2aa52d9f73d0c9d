"""Query counts of every portal page and API list endpoint: measured with small
data, then with ten times the data, the count must not grow (no N+1), and it
stays within the issue's budgets: 12 queries for a learner's request, 20 for a
facilitator's or an HR admin's."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cohorts import selectors, services
from cohorts.models import CohortRole
from core import services as core_services

from ..factories import (
    CohortFactory,
    CohortStepFactory,
    JourneyStepFactory,
    JourneyTemplateFactory,
    MembershipFactory,
    SquadFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

LEARNER_BUDGET = 12
STAFF_BUDGET = 20
API = "/api/v1"


# --- growing the data, one unit at a time -------------------------------------------


def _members(cohort, count: int, *, squad=None, role=CohortRole.LEARNER) -> None:
    for _ in range(count):
        MembershipFactory(cohort=cohort, squad=squad, role=role)


def grow_this_week(world, units: int) -> None:
    """Steps this week and later, squadmates, and older cohorts the learner is also in."""
    start = world.cohort.start_date
    for _ in range(units):
        CohortStepFactory(cohort=world.cohort, minutes=15)
        CohortStepFactory(cohort=world.cohort, week=3, opens_on=start + dt.timedelta(days=14),
                          due_on=start + dt.timedelta(days=20))
        _members(world.cohort, 1, squad=world.squad)
        older = CohortFactory(organization=world.org, start_date=start - dt.timedelta(days=60))
        MembershipFactory(cohort=older, user=world.learner, squad=SquadFactory(cohort=older))


def grow_cohort_page(world, units: int) -> None:
    """Squads with members, members without a squad, and staff."""
    for _ in range(units):
        _members(world.cohort, 3, squad=SquadFactory(cohort=world.cohort))
        _members(world.cohort, 1)
        _members(world.cohort, 1, role=CohortRole.EXPERT)


def grow_learner_cohorts(world, units: int) -> None:
    """More cohorts the learner belongs to, each with a squad."""
    for _ in range(units):
        cohort = CohortFactory(organization=world.org)
        MembershipFactory(cohort=cohort, user=world.learner, squad=SquadFactory(cohort=cohort))


def grow_tokens(world, units: int) -> None:
    for i in range(units):
        core_services.api_token_create(actor=world.learner, name=f"Script {i}")
        token, _key = core_services.api_token_create(actor=world.learner, name=f"Old script {i}")
        core_services.api_token_revoke(actor=world.learner, token=token)


def grow_facilitated_cohorts(world, units: int) -> None:
    """More cohorts the facilitator runs, each with squads and members."""
    for _ in range(units):
        cohort = CohortFactory(organization=world.org)
        MembershipFactory(cohort=cohort, user=world.facilitator, role=CohortRole.FACILITATOR)
        for _ in range(2):
            _members(cohort, 2, squad=SquadFactory(cohort=cohort))
        _members(cohort, 1)


def grow_roster(world, units: int) -> None:
    for _ in range(units):
        _members(world.cohort, 3, squad=SquadFactory(cohort=world.cohort))
        _members(world.cohort, 1, role=CohortRole.PEER_MENTOR)


def grow_templates(world, units: int) -> None:
    for _ in range(units):
        template = JourneyTemplateFactory(organization=world.org)
        for week in (1, 2, 3):
            JourneyStepFactory(template=template, week=week)


def grow_people(world, units: int) -> None:
    for i in range(units):
        for _ in range(3):
            UserFactory(organization=world.org, department=f"Department {i}")


_activity_numbers = itertools.count()


def grow_activity(world, units: int) -> None:
    """Real actions, so events and audit entries of several kinds pile up."""
    for _ in range(units):
        i = next(_activity_numbers)
        squad = services.squad_create(actor=world.facilitator, cohort=world.cohort, name=f"Squad {i}")
        person = services.user_create(actor=world.hr_admin, organization=world.org,
                                      email=f"person{i}@acme.example")
        services.membership_add(actor=world.facilitator, cohort=world.cohort, user=person,
                                squad=squad)
        services.user_update(actor=world.learner, user=world.learner, title=f"Title {i}")


# --- what is measured ----------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    name: str
    viewer: str
    url: Callable[..., str]
    grow: Callable[..., None]
    budget: int
    api: bool = False
    shows_growth: bool = True  # the grown data is visible in the response

    def __str__(self) -> str:
        return self.name


def _portal(name, *args_of):
    return lambda world: reverse(f"portal:{name}", args=[a(world) for a in args_of])


def _cohort_pk(world):
    return world.cohort.pk


CASES = [
    # portal pages
    Case("this_week", "learner", _portal("this_week"), grow_this_week, LEARNER_BUDGET),
    Case("cohort_detail", "learner", _portal("cohort_detail", _cohort_pk), grow_cohort_page,
         LEARNER_BUDGET),
    Case("profile", "learner", _portal("profile"), grow_learner_cohorts, LEARNER_BUDGET),
    Case("api_tokens", "learner", _portal("api_tokens"), grow_tokens, LEARNER_BUDGET),
    Case("facilitate", "facilitator", _portal("facilitate"), grow_facilitated_cohorts, STAFF_BUDGET),
    Case("facilitate (HR admin)", "hr_admin", _portal("facilitate"), grow_facilitated_cohorts,
         STAFF_BUDGET),
    Case("cohort_manage", "facilitator", _portal("cohort_manage", _cohort_pk), grow_roster,
         STAFF_BUDGET),
    Case("cohort_create", "facilitator", _portal("cohort_create"), grow_templates, STAFF_BUDGET),
    # API
    Case("api me", "learner", lambda w: f"{API}/me/", grow_learner_cohorts, LEARNER_BUDGET, api=True),
    Case("api organization", "learner", lambda w: f"{API}/organization/", grow_people,
         LEARNER_BUDGET, api=True, shows_growth=False),
    Case("api users", "hr_admin", lambda w: f"{API}/users/", grow_people, STAFF_BUDGET, api=True),
    Case("api cohorts", "hr_admin", lambda w: f"{API}/cohorts/", grow_facilitated_cohorts,
         STAFF_BUDGET, api=True),
    Case("api cohorts (learner)", "learner", lambda w: f"{API}/cohorts/", grow_learner_cohorts,
         LEARNER_BUDGET, api=True),
    Case("api squads", "hr_admin", lambda w: f"{API}/squads/", grow_roster, STAFF_BUDGET, api=True),
    Case("api squads (learner)", "learner", lambda w: f"{API}/squads/", grow_learner_cohorts,
         LEARNER_BUDGET, api=True),
    Case("api memberships", "facilitator", lambda w: f"{API}/memberships/", grow_roster,
         STAFF_BUDGET, api=True),
    Case("api memberships (learner)", "learner", lambda w: f"{API}/memberships/", grow_cohort_page,
         LEARNER_BUDGET, api=True),
    Case("api journey-templates", "learner", lambda w: f"{API}/journey-templates/", grow_templates,
         LEARNER_BUDGET, api=True),
    Case("api events", "hr_admin", lambda w: f"{API}/events/", grow_activity, STAFF_BUDGET, api=True),
    Case("api events (learner)", "learner", lambda w: f"{API}/events/", grow_activity,
         LEARNER_BUDGET, api=True),
    Case("api audit-entries", "hr_admin", lambda w: f"{API}/audit-entries/", grow_activity,
         STAFF_BUDGET, api=True),
    Case("api tokens", "learner", lambda w: f"{API}/tokens/", grow_tokens, LEARNER_BUDGET, api=True),
]


def _get(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.content[:500]
    return len(queries), response


@pytest.fixture
def this_week_world(world):
    """The world cohort two days into its first week, in the learner's timezone."""
    world.cohort.start_date = selectors.local_today(world.learner) - dt.timedelta(days=2)
    world.cohort.save()
    return world


@pytest.mark.parametrize("case", CASES, ids=str)
def test_queries_do_not_grow_with_the_data(case, this_week_world, api_client, client,
                                           record_property):
    world = this_week_world
    # given a little data, and a request already made once (warm per-process caches)
    case.grow(world, 1)
    viewer = world.person(case.viewer)
    if case.api:
        http = api_client(viewer)
    else:
        client.force_login(viewer)
        http = client
    url = case.url(world)
    http.get(url)
    small, small_response = _get(http, url)
    # when the data grows tenfold
    case.grow(world, 9)
    large, large_response = _get(http, url)
    # then the page shows more but costs no more queries, within the budget
    record_property("queries", f"{small} -> {large}")
    if case.shows_growth:
        assert len(large_response.content) > len(small_response.content)
    assert small <= case.budget, f"{case}: {small} queries, budget {case.budget}"
    assert large <= small, f"{case}: {small} queries with little data, {large} with 10x"

"""Suite-wide fixtures: network limited to loopback, a standard organisation
("world") with one person per role, and clients signed in as them."""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass

import pytest
from rest_framework.test import APIClient

from cohorts.models import CohortRole, OrganizationRole
from core import events, policy
from gamification.defaults import install_default_badges, install_default_rules

from .factories import (
    CohortFactory,
    JourneyStepFactory,
    JourneyTemplateFactory,
    MembershipFactory,
    OrganizationFactory,
    OrgRoleFactory,
    SquadFactory,
    UserFactory,
)

_real_connect = socket.socket.connect


def _loopback_only(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6):
        host = address[0]
        try:
            allowed = ipaddress.ip_address(host).is_loopback
        except ValueError:
            allowed = host in {"localhost"}
        if not allowed:
            raise OSError(f"Tests may only reach loopback, not {host!r}")
    return _real_connect(self, address)


@pytest.fixture(autouse=True, scope="session")
def _block_network():
    socket.socket.connect = _loopback_only
    yield
    socket.socket.connect = _real_connect


@pytest.fixture(autouse=True)
def _fresh_dispatch_buffer():
    """Test transactions roll back without committing, so ids emitted in one test
    would otherwise still wait for a commit in the next."""
    events._pending.ids = []


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test's database starts empty, so its ids repeat; cached page data
    keyed on them must not carry over from the previous test."""
    from django.core.cache import cache

    cache.clear()


@dataclass
class World:
    """One organisation with a person in every role, and one cohort with a squad."""

    org: object
    hr_admin: object
    analyst: object
    facilitator: object
    expert: object
    peer_mentor: object
    learner: object
    outsider: object  # in the organisation, in no cohort
    cohort: object
    squad: object
    other_cohort: object  # same organisation, none of the above are members
    template: object

    def person(self, role: str):
        return getattr(self, role)


ROLES = ["hr_admin", "analyst", "facilitator", "expert", "peer_mentor", "learner", "outsider"]


def build_world(prefix: str = "acme") -> World:
    # Migration rows (house point rules and badges) are gone after a transactional test's flush.
    install_default_rules()
    install_default_badges()
    org = OrganizationFactory(name=f"{prefix.title()} Inc", slug=prefix)
    template = JourneyTemplateFactory(organization=org, name=f"{prefix} journey")
    JourneyStepFactory(template=template, week=1, title="Kick-off prompt")
    JourneyStepFactory(template=template, week=2, title="Second week task", kind="microtask")
    cohort = CohortFactory(organization=org, name=f"{prefix} cohort", slug=f"{prefix}-cohort",
                           journey_template=template)
    other_cohort = CohortFactory(organization=org, name=f"{prefix} other", slug=f"{prefix}-other")
    squad = SquadFactory(cohort=cohort, name="Alpha")

    def person(name):
        return UserFactory(organization=org, email=f"{name}@{prefix}.example", full_name=name.title())

    hr_admin, analyst = person("hr"), person("analyst")
    OrgRoleFactory(user=hr_admin, role=OrganizationRole.HR_ADMIN)
    OrgRoleFactory(user=analyst, role=OrganizationRole.ANALYST)
    facilitator, expert = person("facilitator"), person("expert")
    peer_mentor, learner, outsider = person("mentor"), person("learner"), person("outsider")
    MembershipFactory(cohort=cohort, user=facilitator, role=CohortRole.FACILITATOR)
    MembershipFactory(cohort=cohort, user=expert, role=CohortRole.EXPERT)
    MembershipFactory(cohort=cohort, user=peer_mentor, role=CohortRole.PEER_MENTOR, squad=squad)
    MembershipFactory(cohort=cohort, user=learner, role=CohortRole.LEARNER, squad=squad)
    return World(org=org, hr_admin=hr_admin, analyst=analyst, facilitator=facilitator,
                 expert=expert, peer_mentor=peer_mentor, learner=learner, outsider=outsider,
                 cohort=cohort, squad=squad, other_cohort=other_cohort, template=template)


@pytest.fixture
def world(db) -> World:
    return build_world("acme")


@pytest.fixture
def other_world(db) -> World:
    return build_world("globex")


@pytest.fixture
def api_client():
    """An API client; call it with a user to sign in (session auth)."""

    def make(user=None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_login(user)
            policy.forget_roles(user)
        return client

    return make


@pytest.fixture
def portal_client(client):
    def make(user):
        client.force_login(user)
        return client

    return make

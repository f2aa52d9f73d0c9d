import datetime as dt

import pytest
from django.utils import timezone

from cohorts.models import CohortRole
from discussions import services
from tests.factories import MembershipFactory, SquadFactory


@pytest.fixture
def squads(world):
    """world.cohort with two squads of three learners (Alpha has the learner and
    the peer mentor already, plus one more)."""
    beta = SquadFactory(cohort=world.cohort, name="Beta")
    extra = MembershipFactory(cohort=world.cohort, squad=world.squad, role=CohortRole.LEARNER)
    beta_members = [MembershipFactory(cohort=world.cohort, squad=beta) for _ in range(3)]
    return {"alpha": world.squad, "beta": beta, "alpha_extra": extra.user,
            "beta_members": [m.user for m in beta_members]}


@pytest.fixture
def publish(world):
    def make(title="What makes feedback land?", roles=None):
        prompt = services.prompt_create(
            actor=world.facilitator, cohort=world.cohort, title=title,
            body="Share one piece of feedback that changed how you work.",
            due_at=timezone.now() + dt.timedelta(days=3), roles=roles)
        threads = services.prompt_publish(actor=world.facilitator, prompt=prompt)
        return prompt, {t.squad.name if t.squad else None: t for t in threads}

    return make

"""Demo points and kudos: a few thank-yous between the demo cohort's learners, and the
points their activity earned (the ledger rebuilt from the demo's events at once, so a
newcomer sees points before the worker has caught up; the worker then finds every
entry already written)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from cohorts.models import Cohort, User

from . import services
from .models import Kudos

KUDOS = [
    ("sam@acme.example", "learner@acme.example", "Your review of my draft was specific and kind. Thank you!"),
    ("learner@acme.example", "lee@acme.example", "Thanks for asking the question nobody else dared to."),
    ("maria@acme.example", "learner@acme.example", "Your SBI example helped me in a tough 1:1."),
    ("omar@acme.example", "sam@acme.example", "Great summary in the squad thread."),
]


@transaction.atomic
def load_demo() -> dict[str, int]:
    created = {"kudos": 0}
    cohort = Cohort.objects.filter(slug="leading-with-feedback-autumn").first()
    if cohort is None or Kudos.objects.filter(cohort=cohort).exists():
        return created
    people = {user.email: user for user in User.objects.filter(email__in={e for k in KUDOS for e in k[:2]})}
    now = timezone.now()
    for hours, (sender, recipient, message) in enumerate(KUDOS):
        if sender in people and recipient in people:
            services.kudos_give(actor=people[sender], recipient=people[recipient], cohort=cohort,
                                message=message, now=now - dt.timedelta(hours=5 + hours))
            created["kudos"] += 1
    services.gamification_rebuild(organization=cohort.organization)
    return created

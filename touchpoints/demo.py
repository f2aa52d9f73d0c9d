"""Demo live sessions in the demo cohort: a check-in next week with a few answers, and
last week's session with its attendance recorded (one learner said yes and did not
come). Loading twice changes nothing."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from cohorts.models import Cohort, CohortRole, User

from . import selectors, services
from .models import RsvpResponse, Touchpoint

UPCOMING_TITLE = "Week 3 check-in: feedback in practice"
PAST_TITLE = "Kick-off call: what good feedback looks like"
AGENDA = ("1. One piece of feedback you gave this week (2 minutes each)\n"
          "2. What made it land, or not\n"
          "3. One thing to try before next week")


@transaction.atomic
def load_demo() -> dict[str, int]:
    created = {"touchpoints": 0}
    cohort = Cohort.objects.filter(slug="leading-with-feedback-autumn").first()
    if cohort is None or Touchpoint.objects.filter(cohort=cohort).exists():
        return created
    facilitator = User.objects.filter(cohort_memberships__cohort=cohort,
                                      cohort_memberships__role=CohortRole.FACILITATOR).first()
    if facilitator is None:
        return created
    learners = list(User.objects.filter(cohort_memberships__cohort=cohort,
                                        cohort_memberships__role=CohortRole.LEARNER).order_by("email")[:4])
    now = timezone.now()

    # Last week's kick-off, scheduled before it happened and taken attendance of after.
    past_start = (now - dt.timedelta(days=7)).replace(minute=0, second=0, microsecond=0)
    past = services.touchpoint_schedule(
        actor=facilitator, cohort=cohort, title=PAST_TITLE, agenda=AGENDA, starts_at=past_start,
        duration_minutes=30, join_url="https://meet.example.com/peerloop-kickoff",
        now=past_start - dt.timedelta(days=3))
    for index, learner in enumerate(learners):
        response = RsvpResponse.MAYBE if index == 3 else RsvpResponse.YES
        services.rsvp_set(actor=learner, touchpoint=past, response=response,
                          now=past_start - dt.timedelta(days=1))
    came = [user_id for user_id in selectors.invitee_ids(past) if not learners or user_id != learners[-1].pk]
    if len(learners) > 2:
        came.remove(learners[2].pk)  # said yes, did not come: the no-show follow-up goes to them
    services.attendance_record(actor=facilitator, touchpoint=past, attended_user_ids=came,
                               now=past_start + dt.timedelta(minutes=35))
    created["touchpoints"] += 1

    upcoming_start = (now + dt.timedelta(days=6)).replace(hour=15, minute=0, second=0, microsecond=0)
    upcoming = services.touchpoint_schedule(
        actor=facilitator, cohort=cohort, title=UPCOMING_TITLE, agenda=AGENDA, starts_at=upcoming_start,
        duration_minutes=20, join_url="https://meet.example.com/peerloop-week3", room="Room 4.12",
        capacity=12, now=now)
    for learner, response in zip(learners, [RsvpResponse.YES, RsvpResponse.YES, RsvpResponse.MAYBE],
                                 strict=False):
        services.rsvp_set(actor=learner, touchpoint=upcoming, response=response, now=now)
    created["touchpoints"] += 1
    return created

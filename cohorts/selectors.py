"""Reads for the cohorts app, scoped by the policy module and loaded with what
the caller renders (query counts do not grow with the data)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from core import policy

from .models import (
    Cohort,
    CohortMembership,
    CohortRole,
    CohortState,
    CohortStep,
    JourneyTemplate,
    Squad,
    User,
)


def cohorts_visible(user) -> QuerySet[Cohort]:
    return policy.scope(user, Cohort.objects.all())


def cohort_get(user, pk: int) -> Cohort:
    """A visible cohort or 404 (another organisation's cohort does not exist for you)."""
    cohort = cohorts_visible(user).filter(pk=pk).select_related("organization").first()
    if cohort is None:
        raise Http404("No such cohort.")
    return cohort


def my_cohorts(user) -> QuerySet[Cohort]:
    """Cohorts the user belongs to, active first."""
    return (
        Cohort.objects.filter(memberships__user=user, organization_id=user.organization_id)
        .exclude(state=CohortState.ARCHIVED)
        .order_by("state", "-start_date")
        .distinct()
    )


def active_cohort_for(user, cohort_id: int | None = None) -> Cohort | None:
    """The cohort "This week" shows: the one asked for, else the user's active
    cohort that started most recently."""
    cohorts = my_cohorts(user)
    if cohort_id is not None:
        return cohorts.filter(pk=cohort_id).first()
    return (
        cohorts.filter(state=CohortState.ACTIVE).first()
        or cohorts.first()
    )


@dataclass
class ThisWeek:
    cohort: Cohort
    membership: CohortMembership | None
    week: int
    week_start: dt.date
    week_end: dt.date
    steps: list[CohortStep]
    upcoming: list[CohortStep]
    squadmates: list[CohortMembership]
    other_cohorts: list[Cohort]

    @property
    def minutes(self) -> int:
        return sum(step.minutes for step in self.steps)


def local_today(user) -> dt.date:
    import zoneinfo

    return timezone.now().astimezone(zoneinfo.ZoneInfo(user.timezone or "UTC")).date()


def this_week(user, cohort: Cohort, today: dt.date | None = None) -> ThisWeek:
    today = today or local_today(user)
    week = cohort.week_number(today)
    week_start = cohort.start_date if week == 0 else cohort.start_date + dt.timedelta(days=7 * (week - 1))
    week_end = week_start + dt.timedelta(days=6)
    # One query for this week's steps and the next ones (a journey has a few dozen).
    ahead = list(
        CohortStep.objects.filter(cohort=cohort, opens_on__gte=week_start).order_by("opens_on", "id")
    )
    steps = [step for step in ahead if step.opens_on <= week_end]
    upcoming = [step for step in ahead if step.opens_on > week_end][:3]
    # One query for the person's membership and their squadmates.
    my_squad = CohortMembership.objects.filter(
        cohort=cohort, user=user, squad__isnull=False
    ).values("squad_id")
    rows = list(
        CohortMembership.objects.filter(cohort=cohort)
        .filter(Q(user=user) | Q(squad_id__in=my_squad))
        .select_related("user", "squad")
        .order_by("user__full_name", "pk")
    )
    membership = next((m for m in rows if m.user_id == user.pk), None)
    squadmates = [m for m in rows if m.user_id != user.pk]
    others = list(my_cohorts(user).exclude(pk=cohort.pk)[:10])
    return ThisWeek(
        cohort=cohort,
        membership=membership,
        week=week,
        week_start=week_start,
        week_end=week_end,
        steps=steps,
        upcoming=upcoming,
        squadmates=squadmates,
        other_cohorts=others,
    )


def cohort_detail(user, pk: int) -> tuple[Cohort, list[Squad], list[CohortMembership]]:
    """The cohort page: squads with their members, members without a squad, staff."""
    cohort = cohort_get(user, pk)
    members = CohortMembership.objects.filter(cohort=cohort).select_related("user").order_by(
        "user__full_name", "user__email"
    )
    squads = list(
        Squad.objects.filter(cohort=cohort).prefetch_related(
            Prefetch("memberships", queryset=members, to_attr="members")
        )
    )
    unplaced = list(members.filter(squad__isnull=True))
    return cohort, squads, unplaced


def facilitated_cohorts(user) -> QuerySet[Cohort]:
    """Cohorts on the facilitator dashboard, with member counts and squads."""
    r = policy.roles(user)
    cohorts = policy.scope(user, Cohort.objects.all())
    if not (r.is_hr_admin or user.is_superuser):
        cohorts = cohorts.filter(pk__in=list(r.facilitated_cohort_ids))
    return (
        cohorts.exclude(state=CohortState.ARCHIVED)
        .annotate(
            learner_count=Count(
                "memberships", filter=Q(memberships__role=CohortRole.LEARNER), distinct=True
            ),
            member_count=Count("memberships", distinct=True),
            unplaced_count=Count(
                "memberships",
                filter=Q(memberships__squad__isnull=True, memberships__role=CohortRole.LEARNER),
                distinct=True,
            ),
        )
        .prefetch_related(
            Prefetch(
                "squads",
                queryset=Squad.objects.annotate(size=Count("memberships")).order_by("name"),
                to_attr="squad_list",
            )
        )
        .order_by("state", "-start_date", "name")
    )


ROSTER_PAGE_SIZE = 50


def cohort_roster(user, cohort: Cohort, *, query: str = "", squad: str = "", page: int | str = 1):
    """One page of a cohort's members (filterable by name/email and squad) and
    all its squads with their sizes."""
    from django.core.paginator import Paginator

    members = (
        CohortMembership.objects.filter(cohort=cohort)
        .select_related("user", "squad")
        .order_by("role", "user__full_name", "user__email")
    )
    if query:
        members = members.filter(Q(user__full_name__icontains=query) | Q(user__email__icontains=query))
    if squad == "none":
        members = members.filter(squad__isnull=True)
    elif squad.isdigit():
        members = members.filter(squad_id=int(squad))
    squads = list(Squad.objects.filter(cohort=cohort).annotate(size=Count("memberships")))
    return Paginator(members, ROSTER_PAGE_SIZE).get_page(page), squads


def people_not_in_cohort(user, cohort: Cohort, query: str = "") -> QuerySet[User]:
    people = policy.scope(user, User.objects.filter(is_active=True)).exclude(
        cohort_memberships__cohort=cohort
    )
    if query:
        people = people.filter(Q(email__icontains=query) | Q(full_name__icontains=query))
    return people.order_by("full_name", "email")


def templates_visible(user) -> QuerySet[JourneyTemplate]:
    return policy.scope(user, JourneyTemplate.objects.all()).annotate(step_count=Count("steps"))


def profile(user) -> tuple[User, list[CohortMembership]]:
    memberships = list(
        CohortMembership.objects.filter(user=user).select_related("cohort", "squad")
        .order_by("-cohort__start_date")
    )
    org_roles = sorted(policy.roles(user).org_roles)
    user.org_role_names = [r.replace("_", " ").title().replace("Hr", "HR") for r in org_roles]
    return user, memberships

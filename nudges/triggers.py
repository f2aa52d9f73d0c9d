"""Who a rule is due for, now. One function per trigger, each a few set queries over
the audience and the read model (never a query per learner), returning `Due` rows.

`period` names the occasion, so each (rule, learner, occasion) is nudged once: an
inactivity streak by the day it began, a review by its allocation round, a question
by its post. It holds no clock time, so a DST change or a second tick cannot make a
new one.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Exists, OuterRef, QuerySet

from cohorts.models import CohortMembership, CohortState, CohortStep, StepKind

from .models import Activity, CohortTask, NudgeRule, Obligation, ObligationKind, Trigger


@dataclass(frozen=True)
class Due:
    user_id: int
    cohort_id: int
    period: str
    title: str = ""
    link: str = ""
    due_at: datetime | None = None
    obligation: str = ""


def audience(rule: NudgeRule) -> QuerySet:
    """Memberships the rule may reach: active cohorts of its organisation, narrowed by
    cohort, squad and cohort role; people whose account is switched off are left out."""
    members = CohortMembership.objects.filter(
        cohort__organization_id=rule.organization_id, cohort__state=CohortState.ACTIVE, user__is_active=True,
    )
    if rule.cohort_id:
        members = members.filter(cohort_id=rule.cohort_id)
    if rule.squad_id:
        members = members.filter(squad_id=rule.squad_id)
    if rule.role:
        members = members.filter(role=rule.role)
    return members


def _inactive(rule: NudgeRule, now: datetime) -> Iterator[Due]:
    since = now - timedelta(days=rule.days)
    activity = Activity.objects.filter(cohort_id=OuterRef("cohort_id"), user_id=OuterRef("user_id"))
    rows = audience(rule).annotate(active=Exists(activity)).values_list(
        "user_id", "cohort_id", "joined_at", "active")
    last_seen = {
        (user_id, cohort_id): at for user_id, cohort_id, at in Activity.objects.filter(
            cohort_id__in=audience(rule).values("cohort_id"), last_active_at__lt=since,
        ).values_list("user_id", "cohort_id", "last_active_at")
    }
    for user_id, cohort_id, joined_at, active in rows:
        if active:
            seen = last_seen.get((user_id, cohort_id))
            if seen is not None:
                yield Due(user_id, cohort_id, f"since:{seen:%Y-%m-%d}")
        elif joined_at < since:
            yield Due(user_id, cohort_id, f"since:{joined_at:%Y-%m-%d}")


def _first_contribution(rule: NudgeRule, now: datetime) -> Iterator[Due]:
    contributed = Activity.objects.filter(cohort_id=OuterRef("cohort_id"), user_id=OuterRef("user_id"),
                                          first_contribution_at__isnull=False)
    rows = audience(rule).filter(joined_at__lt=now - timedelta(days=rule.days)).exclude(
        Exists(contributed)).values_list("user_id", "cohort_id")
    for user_id, cohort_id in rows:
        yield Due(user_id, cohort_id, "once")


def _personal(rule: NudgeRule, obligations: QuerySet) -> Iterator[Due]:
    members = audience(rule).filter(user_id=OuterRef("user_id"), cohort_id=OuterRef("cohort_id"))
    for row in obligations.filter(done_at__isnull=True).filter(Exists(members)).values(
            "user_id", "cohort_id", "kind", "key", "title", "link", "due_at"):
        ref = f"{row['kind']}:{row['key']}"
        yield Due(row["user_id"], row["cohort_id"], row["key"], row["title"], row["link"], row["due_at"], ref)


def _review_due(rule: NudgeRule, now: datetime) -> Iterator[Due]:
    yield from _personal(rule, Obligation.objects.filter(
        kind=ObligationKind.REVIEW, due_at__gt=now, due_at__lte=now + timedelta(hours=rule.hours_before)))


def _question_unanswered(rule: NudgeRule, now: datetime) -> Iterator[Due]:
    yield from _personal(rule, Obligation.objects.filter(
        kind=ObligationKind.QUESTION, opened_at__lte=now - timedelta(days=rule.days)))


def _no_show(rule: NudgeRule, now: datetime) -> Iterator[Due]:
    yield from _personal(rule, Obligation.objects.filter(kind=ObligationKind.NO_SHOW))


def _cohort_tasks(rule: NudgeRule, tasks: list[tuple[int, str, str, str, datetime | None]],
                  kind: str) -> Iterator[Due]:
    """Every audience member of each task's cohort who has not done it.
    `tasks` holds (cohort_id, key, title, link, due_at)."""
    if not tasks:
        return
    by_cohort: dict[int, list] = {}
    for task in tasks:
        by_cohort.setdefault(task[0], []).append(task)
    done = set(Obligation.objects.filter(
        kind=kind, key__in={task[1] for task in tasks}, done_at__isnull=False,
        cohort_id__in=by_cohort).values_list("user_id", "key"))
    members = audience(rule).filter(cohort_id__in=by_cohort).values_list("user_id", "cohort_id")
    for user_id, cohort_id in members:
        for _, key, title, link, due_at in by_cohort[cohort_id]:
            if (user_id, key) not in done:
                yield Due(user_id, cohort_id, key, title, link, due_at, f"{kind}:{key}")


def _calibration_pending(rule: NudgeRule, now: datetime) -> Iterator[Due]:
    tasks = list(CohortTask.objects.filter(
        kind=ObligationKind.CALIBRATION, opened_at__lte=now - timedelta(days=rule.days),
        cohort__in=audience(rule).values("cohort_id"),
    ).values_list("cohort_id", "key", "title", "link", "due_at"))
    yield from _cohort_tasks(rule, tasks, ObligationKind.CALIBRATION)


def _step_due_at(step: CohortStep, tz: str) -> datetime:
    """A micro-task is due at the end of its due day in the cohort's timezone."""
    return datetime.combine(step.due_on, time(23, 59), tzinfo=ZoneInfo(tz))


def _microtask_due(rule: NudgeRule, now: datetime) -> Iterator[Due]:
    from django.urls import reverse

    horizon = now + timedelta(hours=rule.hours_before)
    steps = CohortStep.objects.filter(
        kind=StepKind.MICROTASK, cohort__in=audience(rule).values("cohort_id"),
        due_on__gte=(now - timedelta(days=1)).date(), due_on__lte=horizon.date(),
    ).select_related("cohort")
    tasks = []
    for step in steps:
        due_at = _step_due_at(step, step.cohort.timezone)
        if now < due_at <= horizon:
            tasks.append((step.cohort_id, f"step:{step.pk}", step.title,
                          reverse("portal:cohort_detail", args=[step.cohort_id]), due_at))
    yield from _cohort_tasks(rule, tasks, ObligationKind.MICROTASK)


TRIGGERS = {
    Trigger.INACTIVE: _inactive,
    Trigger.FIRST_CONTRIBUTION: _first_contribution,
    Trigger.REVIEW_DUE: _review_due,
    Trigger.QUESTION_UNANSWERED: _question_unanswered,
    Trigger.CALIBRATION_PENDING: _calibration_pending,
    Trigger.MICROTASK_DUE: _microtask_due,
    Trigger.NO_SHOW: _no_show,
}


def due(rule: NudgeRule, now: datetime) -> Iterator[Due]:
    return TRIGGERS[rule.trigger](rule, now)


def obligation_done(ref: str, user_id: int) -> bool:
    """Has the person done what the message is about since it was queued?"""
    if not ref:
        return False
    kind, _, key = ref.partition(":")
    return Obligation.objects.filter(user_id=user_id, kind=kind, key=key, done_at__isnull=False).exists()

"""Reads of points: a learner's totals and history, and cohort leaderboards. Totals
and leaderboards read the maintained aggregates (PointTotal, WeeklyPoints), never a
sum over the ledger, and each read is a fixed number of queries however large the
cohort."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Q, Sum
from django.http import Http404
from django.utils import timezone

from cohorts.models import Cohort, CohortMembership, User
from core import policy

from .models import CohortPointsSettings, LedgerEntry, PointsPreference, PointTotal, WeeklyPoints
from .points import local_day
from .services.ledger import EARNERS

BOARD_SIZE = 10
IMPROVEMENT_WEEKS = 4  # "most improved" compares this week with the average of the four before


class Board:
    WEEK = "week"
    ALL_TIME = "all"
    IMPROVED = "improved"
    CHOICES = {WEEK: "This week", ALL_TIME: "All time", IMPROVED: "Most improved"}


def this_week(cohort: Cohort, now: dt.datetime | None = None) -> dt.date:
    return local_day(now or timezone.now(), cohort.timezone)[1]


def earning_cohorts(user) -> list[Cohort]:
    """The cohorts where the user earns points (as a learner or peer mentor)."""
    return list(
        Cohort.objects.filter(memberships__user=user, memberships__role__in=EARNERS)
        .order_by("-start_date", "name")
    )


def cohort_for(user, pk: int) -> Cohort:
    """A cohort the user may see, else a 404."""
    cohort = policy.scope(user, Cohort.objects.filter(pk=pk)).first()
    if cohort is None:
        raise Http404("No such cohort.")
    return cohort


def hides_from_leaderboards(user) -> bool:
    return PointsPreference.objects.filter(user=user, hide_from_leaderboards=True).exists()


def leaderboards_enabled(cohort: Cohort) -> bool:
    return not CohortPointsSettings.objects.filter(cohort=cohort, leaderboards_enabled=False).exists()


@dataclass
class PointsSummary:
    cohort: Cohort
    total: int
    this_week: int
    week: dt.date
    history: list[LedgerEntry]


def points_summary(user, cohort: Cohort, *, history: int = 50, now=None) -> PointsSummary:
    week = this_week(cohort, now)
    total = PointTotal.objects.filter(cohort=cohort, learner=user).values_list("points", flat=True).first()
    weekly = WeeklyPoints.objects.filter(cohort=cohort, learner=user, week=week).values_list(
        "points", flat=True).first()
    entries = LedgerEntry.objects.filter(cohort=cohort, learner=user).order_by("-created_at", "-id")
    return PointsSummary(cohort=cohort, total=total or 0, this_week=weekly or 0, week=week,
                         history=list(entries[:history]))


@dataclass
class Standing:
    rank: int
    learner: User
    points: int
    detail: str = ""


@dataclass
class Leaderboard:
    cohort: Cohort
    board: str
    week: dt.date
    top: list[Standing] = field(default_factory=list)
    mine: Standing | None = None
    ranked: int = 0  # learners on the board
    hidden_by_viewer: bool = False
    disabled: bool = False


def _visible_earners(cohort: Cohort):
    """Ids query of the cohort's earners who have not hidden themselves."""
    return (
        CohortMembership.objects.filter(cohort=cohort, role__in=EARNERS, user__is_active=True)
        .exclude(user__points_preference__hide_from_leaderboards=True)
        .values("user_id")
    )


def leaderboard(viewer, cohort: Cohort, board: str = Board.WEEK, *, now=None) -> Leaderboard:
    """The top ten of a cohort's board and the viewer's own standing, even outside the
    top ten. Ties share a rank (1, 2, 2, 4). Learners who hid themselves neither appear
    nor see others' ranks; a cohort may switch leaderboards off."""
    week = this_week(cohort, now)
    result = Leaderboard(cohort=cohort, board=board, week=week)
    if not leaderboards_enabled(cohort):
        result.disabled = True
        return result
    if hides_from_leaderboards(viewer):
        result.hidden_by_viewer = True
        return result
    if board == Board.IMPROVED:
        return _most_improved(viewer, result)
    rows = (
        WeeklyPoints.objects.filter(cohort=cohort, week=week)
        if board == Board.WEEK
        else PointTotal.objects.filter(cohort=cohort)
    ).filter(learner_id__in=_visible_earners(cohort), points__gt=0)
    result.ranked = rows.count()
    ordered = rows.select_related("learner").order_by("-points", "learner__full_name", "learner_id")
    top = list(ordered[:BOARD_SIZE])
    result.top = _ranked([(row.learner, row.points) for row in top])
    mine = next((standing for standing in result.top if standing.learner.pk == viewer.pk), None)
    if mine is None:
        own = rows.filter(learner=viewer).values_list("points", flat=True).first()
        if own:
            result.mine = Standing(rank=rows.filter(points__gt=own).count() + 1, learner=viewer, points=own)
    else:
        result.mine = mine
    return result


def _ranked(pairs: list[tuple[User, int]]) -> list[Standing]:
    """Standard competition ranks (1, 2, 2, 4) for the top rows, best first."""
    standings = []
    for index, (learner, points) in enumerate(pairs):
        rank = standings[-1].rank if index and points == pairs[index - 1][1] else index + 1
        standings.append(Standing(rank=rank, learner=learner, points=points))
    return standings


def _most_improved(viewer, result: Leaderboard) -> Leaderboard:
    """This week's points minus the average of the previous four weeks; only learners
    who improved are ranked. One grouped query over five weeks of WeeklyPoints."""
    week = result.week
    earliest = week - dt.timedelta(weeks=IMPROVEMENT_WEEKS)
    grouped = (
        WeeklyPoints.objects.filter(cohort=result.cohort, week__gte=earliest, week__lte=week,
                                    learner_id__in=_visible_earners(result.cohort))
        .values("learner_id")
        .annotate(now_points=Sum("points", filter=Q(week=week)),
                  before=Sum("points", filter=Q(week__lt=week)), weeks=Count("id"))
    )
    gains = []
    for row in grouped:
        before = (row["before"] or 0) / IMPROVEMENT_WEEKS
        gain = (row["now_points"] or 0) - before
        if gain > 0:
            gains.append((row["learner_id"], round(gain), row["now_points"] or 0, before))
    gains.sort(key=lambda item: (-item[1], item[0]))
    result.ranked = len(gains)
    shown = gains[:BOARD_SIZE]
    mine = next((item for item in gains if item[0] == viewer.pk), None)
    ids = {item[0] for item in shown} | ({mine[0]} if mine else set())
    people = {user.pk: user for user in User.objects.filter(pk__in=ids)}
    ranks: dict[int, int] = {}
    for index, item in enumerate(gains):
        tied = index and item[1] == gains[index - 1][1]
        ranks[item[0]] = ranks[gains[index - 1][0]] if tied else index + 1
    result.top = [
        Standing(rank=ranks[pk], learner=people[pk], points=gain,
                 detail=f"{this} this week, {before:.0f} a week before")
        for pk, gain, this, before in shown
    ]
    if mine is not None:
        pk, gain, this, before = mine
        result.mine = Standing(rank=ranks[pk], learner=people[pk], points=gain,
                               detail=f"{this} this week, {before:.0f} a week before")
    return result


@dataclass
class MemberPage:
    member: User
    cohorts: list[Cohort]  # shared with the viewer (all of the member's, for HR admins)
    points: list[tuple[Cohort, int]]  # per shared cohort, unless the member hid from leaderboards
    hidden: bool


def member_page(viewer, pk: int) -> MemberPage:
    """Someone the viewer may see through a cohort (or as an HR admin): their cohorts
    and, unless they hid from leaderboards, their points there."""
    memberships = policy.scope(viewer, CohortMembership.objects.filter(user_id=pk)).select_related(
        "cohort", "user")
    memberships = list(memberships)
    if not memberships:
        raise Http404("No such person.")
    member = memberships[0].user
    hidden = hides_from_leaderboards(member) and member.pk != viewer.pk
    cohorts = [m.cohort for m in memberships]
    totals = {} if hidden else dict(
        PointTotal.objects.filter(learner=member, cohort__in=cohorts).values_list("cohort_id", "points"))
    points = [(cohort, totals[cohort.pk]) for cohort in cohorts if cohort.pk in totals]
    return MemberPage(member=member, cohorts=cohorts, points=points, hidden=hidden)

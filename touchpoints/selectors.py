"""Reads of the touchpoints app, already scoped by the policy and loaded for what the
pages and the API render (a constant number of queries whatever the number of
sessions or people)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone

from cohorts.models import Cohort, CohortMembership, User
from core import policy

from .models import MAX_MINUTES, MIN_MINUTES, Attendance, Rsvp, RsvpResponse, Touchpoint
from .rules import STAFF_ROLES


def ends_after(moment: dt.datetime) -> Q:
    """Sessions still running or to come at `moment` (ending after it), as a portable
    filter: a session of d minutes ends after `moment` when it starts after `moment - d`."""
    condition = Q(starts_at__gt=moment - dt.timedelta(minutes=MIN_MINUTES))
    for minutes in range(MIN_MINUTES + 1, MAX_MINUTES + 1):
        condition |= Q(duration_minutes__gte=minutes, starts_at__gt=moment - dt.timedelta(minutes=minutes))
    return condition


def cohort_for(user, pk: int) -> Cohort:
    cohort = policy.scope(user, Cohort.objects.all()).select_related("organization").filter(pk=pk).first()
    if cohort is None:
        raise Http404("No such cohort.")
    return cohort


def with_counts(queryset: QuerySet, user) -> QuerySet:
    """Each session with its yes / no / maybe counts and the viewer's own answer."""
    mine = Rsvp.objects.filter(touchpoint=OuterRef("pk"), user_id=getattr(user, "pk", None))
    mine = mine.values("response")
    return queryset.annotate(
        yes_count=Count("rsvps", filter=Q(rsvps__response=RsvpResponse.YES), distinct=True),
        no_count=Count("rsvps", filter=Q(rsvps__response=RsvpResponse.NO), distinct=True),
        maybe_count=Count("rsvps", filter=Q(rsvps__response=RsvpResponse.MAYBE), distinct=True),
        my_response=Subquery(mine[:1]),
    )


def touchpoints_visible(user) -> QuerySet:
    """The sessions this person may see, with what lists show about them."""
    return with_counts(policy.scope(user, Touchpoint.objects.all()), user).select_related("cohort", "squad")


def touchpoint_get(user, pk) -> Touchpoint:
    touchpoint = (touchpoints_visible(user).select_related("cohort__organization", "created_by")
                  .filter(pk=pk).first())
    if touchpoint is None:
        raise Http404("No such session.")
    return touchpoint


@dataclass
class CohortSessions:
    cohort: Cohort
    upcoming: list[Touchpoint]
    past: list[Touchpoint]


PAST_SHOWN = 50


def cohort_sessions(user, cohort: Cohort, *, now: dt.datetime | None = None) -> CohortSessions:
    """Sessions still to come (or running now), soonest first, and the latest past ones."""
    now = now or timezone.now()
    sessions = touchpoints_visible(user).filter(cohort=cohort)
    upcoming = list(sessions.filter(ends_after(now)).order_by("starts_at", "id"))
    past = list(sessions.exclude(ends_after(now)).order_by("-starts_at", "-id")[:PAST_SHOWN])
    return CohortSessions(cohort=cohort, upcoming=upcoming, past=past)


def invitee_memberships(touchpoint: Touchpoint) -> QuerySet:
    """The memberships of everyone invited: the cohort's active members, or for a
    squad-only session that squad's members and the cohort's staff."""
    memberships = CohortMembership.objects.filter(cohort_id=touchpoint.cohort_id, user__is_active=True)
    if touchpoint.squad_id is not None:
        memberships = memberships.filter(Q(squad_id=touchpoint.squad_id) | Q(role__in=STAFF_ROLES))
    return memberships.select_related("user").order_by("user__full_name", "user__email")


def invitee_ids(touchpoint: Touchpoint) -> list[int]:
    return list(invitee_memberships(touchpoint).values_list("user_id", flat=True))


def is_invitee(touchpoint: Touchpoint, user: User) -> bool:
    return invitee_memberships(touchpoint).filter(user_id=user.pk).exists()


def rsvps_of(touchpoint: Touchpoint) -> list[Rsvp]:
    """Everyone's answer, yes first, then maybe, then no."""
    order = {RsvpResponse.YES: 0, RsvpResponse.MAYBE: 1, RsvpResponse.NO: 2}
    rsvps = list(Rsvp.objects.filter(touchpoint=touchpoint).select_related("user"))
    return sorted(rsvps, key=lambda rsvp: (order[rsvp.response], rsvp.user.display_name.lower()))


@dataclass
class SheetRow:
    user: User
    role: str
    response: str | None  # their RSVP, None when they did not answer
    attended: bool | None  # None until attendance is recorded


def attendance_sheet(touchpoint: Touchpoint) -> list[SheetRow]:
    """One row per invitee, with their RSVP and what was recorded (three queries)."""
    responses = dict(Rsvp.objects.filter(touchpoint=touchpoint).values_list("user_id", "response"))
    attended = dict(Attendance.objects.filter(touchpoint=touchpoint).values_list("user_id", "attended"))
    return [SheetRow(user=m.user, role=m.get_role_display(), response=responses.get(m.user_id),
                     attended=attended.get(m.user_id))
            for m in invitee_memberships(touchpoint)]


def response_of(touchpoint: Touchpoint, user) -> str | None:
    return Rsvp.objects.filter(touchpoint=touchpoint, user_id=getattr(user, "pk", None)).values_list(
        "response", flat=True).first()

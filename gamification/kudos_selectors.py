"""Reads for kudos: the kudos a person received (their page), and whom and where a
person may thank (the form's selects). Scoped by the policy module."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from cohorts.models import Cohort, User
from core import policy

from .models import Kudos


def kudos_received(recipient: User, viewer: User, limit: int = 20) -> list[Kudos]:
    """The newest kudos `recipient` received that `viewer` may see, with their senders."""
    kudos = policy.scope(viewer, Kudos.objects.filter(recipient=recipient))
    return list(kudos.select_related("sender", "cohort").order_by("-created_at", "-id")[:limit])


def kudos_cohorts(actor: User) -> QuerySet[Cohort]:
    """The cohorts `actor` may send kudos in: those they are a member of (any role)."""
    roles = policy.roles(actor)
    if roles.organization_id is None:
        return Cohort.objects.none()
    return Cohort.objects.filter(pk__in=list(roles.cohort_roles),
                                 organization_id=roles.organization_id).order_by("name", "pk")


def kudos_cohort_get(actor: User, pk) -> Cohort:
    """A cohort `actor` may send kudos in, or 404 (not a member, another organisation, no such id)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404("No such cohort.") from None
    cohort = kudos_cohorts(actor).filter(pk=pk).select_related("organization").first()
    if cohort is None:
        raise Http404("No such cohort.")
    return cohort


def kudos_recipients(actor: User, cohort: Cohort) -> QuerySet[User]:
    """The cohort's other active members `actor` may thank, by name (none if `actor` may not
    send kudos in `cohort`)."""
    if not policy.allows(actor, "kudos.give", cohort):
        return User.objects.none()
    return (User.objects.filter(cohort_memberships__cohort=cohort, organization_id=cohort.organization_id,
                                is_active=True)
            .exclude(pk=actor.pk).order_by("full_name", "email"))


def kudos_recipients_anywhere(actor: User) -> QuerySet[User]:
    """The active members of all of `actor`'s cohorts but `actor`, by name: the form's
    choices before a cohort is picked (the service checks the pair)."""
    return (User.objects.filter(cohort_memberships__cohort__in=kudos_cohorts(actor), is_active=True)
            .exclude(pk=actor.pk).distinct().order_by("full_name", "email"))

"""The one place that decides access.

Two questions, asked by the portal, the API and the admin alike:

* `allows(user, permission, obj)`: may this user do this to this object?
* `scope(user, queryset)`: which rows of this kind may this user see?

Tenancy comes first: a user only ever sees rows of their own organisation,
so another organisation's object is simply absent (a 404), never a 403 that
would confirm it exists. Platform operators (superusers) see every
organisation in the admin.

Roles:
* HR admin (organisation): everything in their organisation.
* Analyst (organisation): reads cohorts, people and the event log.
* Facilitator (cohort): runs their cohorts: members, squads, settings; may
  create new cohorts in the organisation.
* Expert, peer mentor, learner (cohort): see the cohorts they belong to.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.auth.models import AnonymousUser
from django.db.models import BooleanField, F, IntegerField, Model, Q, QuerySet, Value

from cohorts.models import (
    Cohort,
    CohortMembership,
    CohortRole,
    CohortStep,
    JourneyStep,
    JourneyTemplate,
    Organization,
    OrganizationMembership,
    OrganizationRole,
    Squad,
    User,
)

from .models import ApiToken, AuditEntry, ConsumedEvent, Event, Notification


@dataclass
class Roles:
    """A user's roles, loaded once per request (one query) and cached on the user."""

    organization_id: int | None
    org_roles: set[str] = field(default_factory=set)
    cohort_roles: dict[int, str] = field(default_factory=dict)
    # The squad this person is in per cohort (None: no squad), so squad checks need no query.
    cohort_squads: dict[int, int | None] = field(default_factory=dict)
    # Cohorts where this person is the week's learner moderator.
    moderated_cohort_ids: set[int] = field(default_factory=set)

    @property
    def is_hr_admin(self) -> bool:
        return OrganizationRole.HR_ADMIN in self.org_roles

    @property
    def is_analyst(self) -> bool:
        return OrganizationRole.ANALYST in self.org_roles

    @property
    def facilitated_cohort_ids(self) -> set[int]:
        return {cid for cid, role in self.cohort_roles.items() if role == CohortRole.FACILITATOR}

    @property
    def is_facilitator(self) -> bool:
        return bool(self.facilitated_cohort_ids)


def roles(user) -> Roles:
    if not getattr(user, "is_authenticated", False):
        return Roles(organization_id=None)
    cached = getattr(user, "_peerloop_roles", None)
    if cached is not None:
        return cached
    loaded = Roles(organization_id=user.organization_id)
    if user.organization_id:
        # One query for both kinds of role: every page starts here.
        for cohort_id, role, is_moderator, squad_id in _role_rows(user):
            if cohort_id is None:
                loaded.org_roles.add(role)
                continue
            loaded.cohort_roles[cohort_id] = role
            loaded.cohort_squads[cohort_id] = squad_id
            if is_moderator:
                loaded.moderated_cohort_ids.add(cohort_id)
    user._peerloop_roles = loaded
    return loaded


def _role_rows(user):
    """(cohort id or None for an organisation role, role, is moderator, squad id)."""
    columns = ("row_cohort", "row_role", "row_moderator", "row_squad")
    in_cohorts = CohortMembership.objects.filter(
        user=user, cohort__organization_id=user.organization_id
    ).annotate(row_cohort=F("cohort_id"), row_role=F("role"), row_moderator=F("is_moderator"),
               row_squad=F("squad_id")).values_list(*columns)
    in_organization = OrganizationMembership.objects.filter(
        user=user, organization_id=user.organization_id
    ).annotate(row_cohort=Value(None, IntegerField()), row_role=F("role"),
               row_moderator=Value(False, BooleanField()), row_squad=Value(None, IntegerField())
               ).values_list(*columns)
    return in_cohorts.order_by().union(in_organization.order_by(), all=True)


def forget_roles(user) -> None:
    """Drop the cached roles after the user's memberships changed."""
    if hasattr(user, "_peerloop_roles"):
        del user._peerloop_roles


def is_operator(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_superuser)


_tenants: dict[type[Model], Callable[[Model], int | None]] = {}


def register_tenant(model: type[Model], resolver: Callable[[Model], int | None]) -> None:
    """Other apps say here how to find the organisation of their models."""
    _tenants[model] = resolver


def organization_of(obj) -> int | None:
    """The organisation id an object belongs to."""
    resolver = _tenants.get(type(obj))
    if resolver is not None:
        return resolver(obj)
    if isinstance(obj, Organization):
        return obj.pk
    if isinstance(obj, User | Cohort | JourneyTemplate | OrganizationMembership | Event):
        return obj.organization_id
    if isinstance(obj, AuditEntry):
        return obj.organization_id
    if isinstance(obj, Squad | CohortMembership | CohortStep):
        return obj.cohort.organization_id
    if isinstance(obj, JourneyStep):
        return obj.template.organization_id
    if isinstance(obj, ApiToken | Notification):
        return obj.user.organization_id
    raise TypeError(f"No tenancy rule for {type(obj).__name__}")


def _cohort_id(obj) -> int | None:
    if isinstance(obj, Cohort):
        return obj.pk
    return getattr(obj, "cohort_id", None)


# --- permissions ---------------------------------------------------------------

Rule = Callable[[User, Roles, Model | None], bool]
_rules: dict[str, Rule] = {}


def rule(*permissions: str) -> Callable[[Rule], Rule]:
    def register(fn: Rule) -> Rule:
        for permission in permissions:
            _rules[permission] = fn
        return fn

    return register


def allows(user, permission: str, obj: Model | None = None) -> bool:
    """May `user` do `permission` to `obj`? Unknown permissions are refused."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if is_operator(user):
        return True
    check = _rules.get(permission)
    if check is None:
        return False
    user_roles = roles(user)
    if obj is not None and organization_of(obj) != user_roles.organization_id:
        return False
    return check(user, user_roles, obj)


def require(user, permission: str, obj: Model | None = None) -> None:
    """Raise PermissionDenied unless `allows(...)`: the first line of a service."""
    from .errors import PermissionDenied

    if not allows(user, permission, obj):
        raise PermissionDenied("You do not have permission to do that.")


def permissions() -> list[str]:
    return sorted(_rules)


@rule("organization.view", "user.view", "template.view")
def _member_of_organization(user, r: Roles, obj) -> bool:
    return r.organization_id is not None


@rule("organization.change", "user.create", "user.change", "role.manage", "template.manage",
      "audit.view", "admin.access")
def _hr_admin(user, r: Roles, obj) -> bool:
    return r.is_hr_admin


@rule("event.view_all", "analytics.view")
def _hr_or_analyst(user, r: Roles, obj) -> bool:
    return r.is_hr_admin or r.is_analyst


@rule("cohort.create")
def _may_create_cohort(user, r: Roles, obj) -> bool:
    return r.is_hr_admin or r.is_facilitator


@rule("cohort.view", "squad.view", "membership.view", "step.view")
def _sees_cohort(user, r: Roles, obj) -> bool:
    if r.is_hr_admin or r.is_analyst:
        return True
    return obj is not None and _cohort_id(obj) in r.cohort_roles


@rule("cohort.change", "cohort.manage", "squad.manage", "membership.manage", "step.manage")
def _runs_cohort(user, r: Roles, obj) -> bool:
    if r.is_hr_admin:
        return True
    return obj is not None and _cohort_id(obj) in r.facilitated_cohort_ids


@rule("cohort.delete")
def _deletes_cohort(user, r: Roles, obj) -> bool:
    return r.is_hr_admin


@rule("facilitation.dashboard")
def _facilitates_something(user, r: Roles, obj) -> bool:
    return r.is_facilitator or r.is_hr_admin


@rule("event.view")
def _sees_event(user, r: Roles, obj) -> bool:
    if r.is_hr_admin or r.is_analyst:
        return True
    if obj is None:
        return True
    return obj.actor_id == user.pk or obj.cohort_id in r.facilitated_cohort_ids


# --- scoping -------------------------------------------------------------------


def scope(user, queryset: QuerySet) -> QuerySet:
    """Restrict `queryset` to the rows `user` may see."""
    if isinstance(user, AnonymousUser) or not getattr(user, "is_authenticated", False):
        return queryset.none()
    if not user.is_active:
        return queryset.none()
    if is_operator(user):
        return queryset
    model = queryset.model
    scoper = _scopers.get(model)
    if scoper is None:
        raise TypeError(f"No scoping rule for {model.__name__}")
    r = roles(user)
    if r.organization_id is None:
        return queryset.none()
    return scoper(queryset, user, r)


def _visible_cohort_ids(user, r: Roles) -> Q:
    """Cohorts of the organisation this user may see."""
    if r.is_hr_admin or r.is_analyst:
        return Q()
    return Q(pk__in=list(r.cohort_roles))


def _scope_cohorts(qs, user, r):
    return qs.filter(_visible_cohort_ids(user, r), organization_id=r.organization_id)


def _scope_by_cohort(qs, user, r):
    cohort_filter = Q(cohort__organization_id=r.organization_id)
    if not (r.is_hr_admin or r.is_analyst):
        cohort_filter &= Q(cohort_id__in=list(r.cohort_roles))
    return qs.filter(cohort_filter)


def _scope_events(qs, user, r):
    qs = qs.filter(organization_id=r.organization_id)
    if r.is_hr_admin or r.is_analyst:
        return qs
    return qs.filter(Q(actor=user) | Q(cohort_id__in=list(r.facilitated_cohort_ids)))


def _scope_audit(qs, user, r):
    if not r.is_hr_admin:
        return qs.none()
    return qs.filter(organization_id=r.organization_id)


def _scope_org_roles(qs, user, r):
    qs = qs.filter(organization_id=r.organization_id)
    return qs if r.is_hr_admin else qs.filter(user=user)


def _scope_tokens(qs, user, r):
    return qs.filter(user=user)


def _scope_consumed(qs, user, r):
    if not r.is_hr_admin:
        return qs.none()
    return qs.filter(event__organization_id=r.organization_id)


_scopers: dict[type[Model], Callable] = {
    Organization: lambda qs, user, r: qs.filter(pk=r.organization_id),
    User: lambda qs, user, r: qs.filter(organization_id=r.organization_id),
    OrganizationMembership: _scope_org_roles,
    JourneyTemplate: lambda qs, user, r: qs.filter(organization_id=r.organization_id),
    JourneyStep: lambda qs, user, r: qs.filter(template__organization_id=r.organization_id),
    Cohort: _scope_cohorts,
    Squad: _scope_by_cohort,
    CohortMembership: _scope_by_cohort,
    CohortStep: _scope_by_cohort,
    Event: _scope_events,
    ConsumedEvent: _scope_consumed,
    AuditEntry: _scope_audit,
    ApiToken: _scope_tokens,
    Notification: _scope_tokens,
}


def register_scope(model: type[Model], scoper: Callable) -> None:
    """Other apps add the scoping rule of their models here."""
    _scopers[model] = scoper

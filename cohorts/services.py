"""Writes for organisations, people, cohorts, squads and memberships.

Each function owns its transaction, validates, writes the domain event and
the audit row, and raises ApplicationError with field messages on bad input.
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils.text import slugify

from core import audit, policy
from core.errors import ApplicationError, PermissionDenied
from core.events import Verb, emit

from .models import (
    Cohort,
    CohortMembership,
    CohortRole,
    CohortState,
    CohortStep,
    JourneyTemplate,
    Organization,
    OrganizationMembership,
    Squad,
    User,
)

COHORT_AUDITED_FIELDS = [
    "name", "slug", "description", "state", "timezone", "start_date", "end_date",
    "journey_template",
]
USER_AUDITED_FIELDS = [
    "email", "full_name", "title", "department", "timezone", "locale", "is_active",
]


def _require(actor, permission: str, obj=None) -> None:
    if not policy.allows(actor, permission, obj):
        raise PermissionDenied("You do not have permission to do that.")


def _validate(instance, exclude: list[str] | None = None) -> None:
    try:
        instance.full_clean(exclude=exclude)
    except ValidationError as exc:
        raise ApplicationError(
            "Please correct the errors below.",
            errors={k: [str(m) for m in v] for k, v in exc.message_dict.items()},
        ) from exc


# --- people --------------------------------------------------------------------


@transaction.atomic
def user_create(
    *,
    actor,
    organization: Organization,
    email: str,
    full_name: str = "",
    password: str | None = None,
    title: str = "",
    department: str = "",
    timezone: str | None = None,
    locale: str = "en",
) -> User:
    _require(actor, "user.create", organization)
    email = (email or "").strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise ApplicationError(
            "Please correct the errors below.",
            errors={"email": ["A person with this email address already exists."]},
        )
    user = User(
        email=email,
        full_name=full_name,
        organization=organization,
        title=title,
        department=department,
        timezone=timezone or organization.default_timezone,
        locale=locale,
    )
    user.set_password(password) if password else user.set_unusable_password()
    _validate(user, exclude=["password"])
    user.save()
    audit.record(actor=actor, action="user.create", target=user, organization=organization,
                 changes=audit.diff({}, audit.snapshot(user, USER_AUDITED_FIELDS)))
    emit(Verb.USER_CREATED, organization=organization, actor=actor, subject=user,
         payload={"user_id": user.pk})
    return user


@transaction.atomic
def user_update(*, actor, user: User, **fields) -> User:
    """Change a person's details: themselves, or an HR admin of their organisation."""
    if actor.pk != user.pk:
        _require(actor, "user.change", user)
    allowed = set(USER_AUDITED_FIELDS) - ({"is_active", "email"} if actor.pk == user.pk else set())
    unknown = set(fields) - allowed
    if unknown:
        raise ApplicationError(
            "Please correct the errors below.",
            errors={name: ["This field cannot be changed here."] for name in sorted(unknown)},
        )
    before = audit.snapshot(user, USER_AUDITED_FIELDS)
    for name, value in fields.items():
        setattr(user, name, value)
    if "email" in fields:
        user.email = (user.email or "").strip().lower()
        if User.objects.filter(email__iexact=user.email).exclude(pk=user.pk).exists():
            raise ApplicationError(
                "Please correct the errors below.",
                errors={"email": ["A person with this email address already exists."]},
            )
    _validate(user, exclude=["password"])
    user.save()
    changes = audit.diff(before, audit.snapshot(user, USER_AUDITED_FIELDS))
    if changes:
        audit.record(actor=actor, action="user.update", target=user,
                     organization=user.organization, changes=changes)
        if user.organization_id:
            emit(Verb.USER_UPDATED, organization=user.organization, actor=actor, subject=user,
                 payload={"user_id": user.pk, "fields": sorted(changes)})
    return user


@transaction.atomic
def org_role_grant(*, actor, user: User, role: str) -> OrganizationMembership:
    _require(actor, "role.manage", user)
    membership, created = OrganizationMembership.objects.get_or_create(
        organization_id=user.organization_id, user=user, role=role
    )
    if created:
        audit.record(actor=actor, action="org_role.grant", target=membership,
                     organization=user.organization, changes={"role": [None, role]})
    return membership


@transaction.atomic
def org_role_revoke(*, actor, membership: OrganizationMembership) -> None:
    _require(actor, "role.manage", membership)
    audit.record(actor=actor, action="org_role.revoke", target=membership,
                 organization=membership.organization, changes={"role": [membership.role, None]})
    membership.delete()


# --- cohorts -------------------------------------------------------------------


def _unique_slug(organization: Organization, name: str) -> str:
    base = slugify(name)[:70] or "cohort"
    slug = base
    while Cohort.objects.filter(organization=organization, slug=slug).exists():
        slug = f"{base}-{secrets.token_hex(2)}"
    return slug


def copy_journey(cohort: Cohort, template: JourneyTemplate) -> list[CohortStep]:
    """Copy a template's steps into the cohort, dates shifted to its start."""
    steps = []
    for step in template.steps.all():
        week_start = cohort.start_date + dt.timedelta(days=7 * (step.week - 1))
        steps.append(
            CohortStep(
                cohort=cohort,
                source_step=step,
                week=step.week,
                kind=step.kind,
                title=step.title,
                description=step.description,
                minutes=step.minutes,
                opens_on=week_start + dt.timedelta(days=step.day_offset),
                due_on=week_start + dt.timedelta(days=6),
            )
        )
    return CohortStep.objects.bulk_create(steps)


@transaction.atomic
def cohort_create(
    *,
    actor,
    organization: Organization,
    name: str,
    start_date: dt.date,
    end_date: dt.date | None = None,
    timezone: str | None = None,
    description: str = "",
    template: JourneyTemplate | None = None,
    state: str = CohortState.DRAFT,
) -> Cohort:
    """Create a cohort, copying a journey template if given. A facilitator who
    creates a cohort facilitates it."""
    _require(actor, "cohort.create", organization)
    if template is not None and template.organization_id != organization.pk:
        raise ApplicationError("Please correct the errors below.",
                               errors={"journey_template": ["Choose one of your organisation's templates."]})
    if end_date is None and start_date is not None:
        weeks = template.weeks if template is not None else 6
        end_date = start_date + dt.timedelta(days=7 * weeks - 1)
    cohort = Cohort(
        organization=organization,
        name=(name or "").strip(),
        slug=_unique_slug(organization, name or ""),
        description=description,
        state=state,
        timezone=timezone or organization.default_timezone,
        start_date=start_date,
        end_date=end_date,
        journey_template=template,
    )
    _validate(cohort)
    cohort.save()
    if template is not None:
        copy_journey(cohort, template)
    audit.record(actor=actor, action="cohort.create", target=cohort, organization=organization,
                 changes=audit.diff({}, audit.snapshot(cohort, COHORT_AUDITED_FIELDS)))
    emit(Verb.COHORT_CREATED, organization=organization, actor=actor, cohort=cohort,
         subject=cohort, payload={"cohort_id": cohort.pk, "template_id": getattr(template, "pk", None)})
    if actor.organization_id == organization.pk and not policy.roles(actor).is_hr_admin:
        membership_add(actor=actor, cohort=cohort, user=actor, role=CohortRole.FACILITATOR,
                       _skip_permission=True)
    return cohort


@transaction.atomic
def cohort_update(*, actor, cohort: Cohort, **fields) -> Cohort:
    _require(actor, "cohort.change", cohort)
    unknown = set(fields) - set(COHORT_AUDITED_FIELDS)
    if unknown:
        raise ApplicationError(
            "Please correct the errors below.",
            errors={name: ["This field cannot be changed."] for name in sorted(unknown)},
        )
    template = fields.get("journey_template")
    if template is not None and template.organization_id != cohort.organization_id:
        raise ApplicationError("Please correct the errors below.",
                               errors={"journey_template": ["Choose one of your organisation's templates."]})
    before = audit.snapshot(cohort, COHORT_AUDITED_FIELDS)
    for name, value in fields.items():
        setattr(cohort, name, value)
    if "slug" in fields and Cohort.objects.filter(
        organization_id=cohort.organization_id, slug=cohort.slug
    ).exclude(pk=cohort.pk).exists():
        raise ApplicationError("Please correct the errors below.",
                               errors={"slug": ["Another cohort already uses this slug."]})
    _validate(cohort)
    cohort.save()
    changes = audit.diff(before, audit.snapshot(cohort, COHORT_AUDITED_FIELDS))
    if changes:
        audit.record(actor=actor, action="cohort.update", target=cohort,
                     organization=cohort.organization, changes=changes)
        verb = Verb.COHORT_STATE_CHANGED if "state" in changes else Verb.COHORT_UPDATED
        emit(verb, organization=cohort.organization, actor=actor, cohort=cohort, subject=cohort,
             payload={"cohort_id": cohort.pk, "changes": changes})
    return cohort


@transaction.atomic
def cohort_delete(*, actor, cohort: Cohort) -> None:
    _require(actor, "cohort.delete", cohort)
    audit.record(actor=actor, action="cohort.delete", target=cohort,
                 organization=cohort.organization,
                 changes=audit.diff(audit.snapshot(cohort, COHORT_AUDITED_FIELDS), {}))
    cohort.delete()


# --- squads --------------------------------------------------------------------


@transaction.atomic
def squad_create(*, actor, cohort: Cohort, name: str) -> Squad:
    _require(actor, "squad.manage", cohort)
    squad = Squad(cohort=cohort, name=(name or "").strip())
    _validate(squad, exclude=["cohort"])
    if Squad.objects.filter(cohort=cohort, name__iexact=squad.name).exists():
        raise ApplicationError("Please correct the errors below.",
                               errors={"name": ["This cohort already has a squad with that name."]})
    squad.save()
    audit.record(actor=actor, action="squad.create", target=squad,
                 organization=cohort.organization, changes={"name": [None, squad.name]})
    emit(Verb.SQUAD_CREATED, organization=cohort.organization, actor=actor, cohort=cohort,
         subject=squad, payload={"squad_id": squad.pk, "name": squad.name})
    return squad


@transaction.atomic
def squad_rename(*, actor, squad: Squad, name: str) -> Squad:
    _require(actor, "squad.manage", squad)
    before = squad.name
    squad.name = (name or "").strip()
    _validate(squad, exclude=["cohort"])
    if Squad.objects.filter(cohort_id=squad.cohort_id, name__iexact=squad.name).exclude(
        pk=squad.pk
    ).exists():
        raise ApplicationError("Please correct the errors below.",
                               errors={"name": ["This cohort already has a squad with that name."]})
    squad.save()
    if before != squad.name:
        audit.record(actor=actor, action="squad.rename", target=squad,
                     organization=squad.cohort.organization, changes={"name": [before, squad.name]})
        emit(Verb.SQUAD_RENAMED, organization=squad.cohort.organization, actor=actor,
             cohort=squad.cohort, subject=squad, payload={"squad_id": squad.pk, "name": squad.name})
    return squad


@transaction.atomic
def squad_delete(*, actor, squad: Squad) -> None:
    """Delete a squad; its members stay in the cohort without a squad."""
    _require(actor, "squad.manage", squad)
    cohort = squad.cohort
    audit.record(actor=actor, action="squad.delete", target=squad,
                 organization=cohort.organization, changes={"name": [squad.name, None]})
    emit(Verb.SQUAD_DELETED, organization=cohort.organization, actor=actor, cohort=cohort,
         subject=squad, payload={"squad_id": squad.pk, "name": squad.name})
    squad.delete()


# --- memberships ---------------------------------------------------------------


def _membership_payload(membership: CohortMembership) -> dict:
    return {
        "membership_id": membership.pk,
        "user_id": membership.user_id,
        "role": membership.role,
        "squad_id": membership.squad_id,
    }


@transaction.atomic
def membership_add(
    *,
    actor,
    cohort: Cohort,
    user: User,
    role: str = CohortRole.LEARNER,
    squad: Squad | None = None,
    _skip_permission: bool = False,
) -> CohortMembership:
    if not _skip_permission:
        _require(actor, "membership.manage", cohort)
    if CohortMembership.objects.filter(cohort=cohort, user=user).exists():
        raise ApplicationError("Please correct the errors below.",
                               errors={"user": [f"{user.display_name} is already in this cohort."]})
    membership = CohortMembership(cohort=cohort, user=user, role=role, squad=squad)
    _validate(membership)
    try:
        with transaction.atomic():
            membership.save()
    except IntegrityError as exc:
        raise ApplicationError("Please correct the errors below.",
                               errors={"user": [f"{user.display_name} is already in this cohort."]}) from exc
    policy.forget_roles(user)
    audit.record(actor=actor, action="membership.add", target=membership,
                 organization=cohort.organization,
                 changes={"role": [None, role], "squad": [None, getattr(squad, "pk", None)]})
    emit(Verb.MEMBER_ADDED, organization=cohort.organization, actor=actor, cohort=cohort,
         subject=membership, payload=_membership_payload(membership))
    return membership


@transaction.atomic
def membership_update(
    *, actor, membership: CohortMembership, role: str | None = None, squad=...,
) -> CohortMembership:
    """Change a member's role and/or squad (pass squad=None to take them out of their squad)."""
    _require(actor, "membership.manage", membership)
    cohort = membership.cohort
    before = {"role": membership.role, "squad": membership.squad_id}
    if role is not None:
        membership.role = role
    if squad is not ...:
        membership.squad = squad
    _validate(membership)
    membership.save()
    after = {"role": membership.role, "squad": membership.squad_id}
    changes = audit.diff(before, after)
    if changes:
        policy.forget_roles(membership.user)
        audit.record(actor=actor, action="membership.update", target=membership,
                     organization=cohort.organization, changes=changes)
        payload = {**_membership_payload(membership), "changes": changes}
        if "role" in changes:
            emit(Verb.MEMBER_ROLE_CHANGED, organization=cohort.organization, actor=actor,
                 cohort=cohort, subject=membership, payload=payload)
        if "squad" in changes:
            emit(Verb.MEMBER_MOVED_SQUAD, organization=cohort.organization, actor=actor,
                 cohort=cohort, subject=membership, payload=payload)
    return membership


@transaction.atomic
def membership_remove(*, actor, membership: CohortMembership) -> None:
    _require(actor, "membership.manage", membership)
    cohort = membership.cohort
    audit.record(actor=actor, action="membership.remove", target=membership,
                 organization=cohort.organization,
                 changes={"role": [membership.role, None], "squad": [membership.squad_id, None]})
    emit(Verb.MEMBER_REMOVED, organization=cohort.organization, actor=actor, cohort=cohort,
         subject=membership, payload=_membership_payload(membership))
    policy.forget_roles(membership.user)
    membership.delete()


@transaction.atomic
def squads_arrange(*, actor, cohort: Cohort, placements: dict[int, int | None]) -> int:
    """Place many members at once: {membership id: squad id or None}. Returns
    how many members moved."""
    _require(actor, "squad.manage", cohort)
    # Fresh queries, not cohort.squads.all(): a caller's prefetch cache would miss
    # squads created in this transaction.
    squads = {s.pk: s for s in Squad.objects.filter(cohort=cohort)}
    memberships = {
        m.pk: m for m in CohortMembership.objects.select_related("cohort__organization", "user")
        .filter(cohort=cohort, pk__in=list(placements))
    }
    errors = {}
    for membership_id, squad_id in placements.items():
        if membership_id not in memberships:
            errors.setdefault("placements", []).append(f"Member {membership_id} is not in this cohort.")
        elif squad_id is not None and squad_id not in squads:
            errors.setdefault("placements", []).append(f"Squad {squad_id} is not in this cohort.")
    if errors:
        raise ApplicationError("Please correct the errors below.", errors=errors)
    moved = 0
    for membership_id, squad_id in placements.items():
        membership = memberships[membership_id]
        if membership.squad_id != squad_id:
            membership_update(actor=actor, membership=membership,
                              squad=squads.get(squad_id) if squad_id is not None else None)
            moved += 1
    return moved


@transaction.atomic
def squads_auto_arrange(*, actor, cohort: Cohort, squad_size: int = 5) -> dict[str, int]:
    """Place every learner and peer mentor who has no squad into the smallest
    squads, opening new squads so that none grows past `squad_size`. Members
    already placed stay where they are. Returns how many were placed and how
    many squads were created."""
    _require(actor, "squad.manage", cohort)
    if not 3 <= squad_size <= 8:
        raise ApplicationError("Please correct the errors below.",
                               errors={"squad_size": ["Squads work best with 3 to 8 people."]})
    participant_roles = [CohortRole.LEARNER, CohortRole.PEER_MENTOR]
    waiting = list(
        cohort.memberships.filter(squad__isnull=True, role__in=participant_roles)
        .order_by("joined_at", "pk").values_list("pk", flat=True)
    )
    sizes = {
        squad.pk: squad.size
        for squad in cohort.squads.annotate(
            size=models.Count("memberships", filter=models.Q(memberships__role__in=participant_roles))
        )
    }
    free = sum(max(0, squad_size - size) for size in sizes.values())
    missing = max(0, len(waiting) - free)
    created = 0
    if missing:
        existing_names = set(cohort.squads.values_list("name", flat=True))
        number = len(existing_names)
        for _ in range(-(-missing // squad_size)):
            number += 1
            while f"Squad {number}" in existing_names:
                number += 1
            squad = squad_create(actor=actor, cohort=cohort, name=f"Squad {number}")
            sizes[squad.pk] = 0
            created += 1
    placements = {}
    for membership_id in waiting:
        smallest = min(sizes, key=lambda pk: (sizes[pk], pk))
        placements[membership_id] = smallest
        sizes[smallest] += 1
    squads_arrange(actor=actor, cohort=cohort, placements=placements)
    return {"placed": len(placements), "squads_created": created}

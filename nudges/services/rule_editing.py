"""Facilitators' (and HR admins') edits of the nudge rules aimed at one cohort: made,
changed and switched off here, checked and audited, never through the model alone."""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from core import audit
from core.errors import invalid
from core.policy import require

from .. import rendering
from ..models import AudienceRole, Mode, NudgeRule, Trigger

EDITABLE = ("name", "trigger", "days", "hours_before", "squad", "role", "subject", "body_text", "body_html",
            "send_email", "send_in_app", "mode", "is_active")
TEMPLATES = ("subject", "body_text", "body_html")


def _apply(rule: NudgeRule, fields: dict) -> None:
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise invalid(**dict.fromkeys(sorted(unknown), "This field cannot be changed here."))
    for name, value in fields.items():
        if isinstance(value, str) and name not in ("body_text", "body_html"):
            value = value.strip()
        setattr(rule, name, value)


def _check(rule: NudgeRule) -> None:
    errors: dict[str, str] = {}
    if not (rule.name or "").strip():
        errors["name"] = "Give the rule a name the facilitators will recognise."
    if rule.trigger not in Trigger.values:
        errors["trigger"] = "Choose what makes the nudge due."
    if rule.mode not in Mode.values:
        errors["mode"] = "Choose automatic or facilitator approval."
    if (rule.role or "") not in AudienceRole.values:
        errors["role"] = "Choose learners, peer mentors or every member."
    if not (rule.subject or "").strip():
        errors["subject"] = "A nudge needs a subject."
    if not (rule.body_text or "").strip():
        errors["body_text"] = "A nudge needs a message."
    for name in TEMPLATES:
        problem = rendering.check(getattr(rule, name) or "")
        if problem and name not in errors:
            errors[name] = f"The template has an error: {problem}"
    if not (rule.send_email or rule.send_in_app):
        errors["send_email"] = "Choose at least one channel: email, in-app or both."
    if rule.squad_id and rule.squad.cohort_id != rule.cohort_id:
        errors["squad"] = "Choose a squad of the rule's cohort."
    if errors:
        raise invalid(**errors)
    try:
        rule.full_clean(exclude=["organization", "cohort", "squad", "created_by", "code"])
    except ValidationError as error:
        errors = {field: " ".join(messages) for field, messages in error.message_dict.items()}
        raise invalid(**errors) from error


def _code(rule: NudgeRule) -> str:
    base = slugify(f"{rule.trigger}-{rule.cohort_id}")[:45] or "rule"
    return f"{base}-{uuid.uuid4().hex[:8]}"


@transaction.atomic
def rule_create(*, actor, cohort, **fields) -> NudgeRule:
    """A new rule aimed at `cohort` (one the actor runs). Fields as on NudgeRule."""
    require(actor, "nudges.rules.manage", cohort)
    defaults = {"trigger": Trigger.INACTIVE, "mode": Mode.APPROVAL, "role": AudienceRole.LEARNERS}
    rule = NudgeRule(organization_id=cohort.organization_id, cohort=cohort, created_by=actor)
    _apply(rule, {**defaults, **fields})
    _check(rule)
    rule.code = _code(rule)
    now = timezone.now()
    rule.created_at = rule.updated_at = now
    rule.save()
    fields_audited = ["name", "trigger", "days", "hours_before", "cohort", "squad", "role", "subject",
                      "send_email", "send_in_app", "mode", "is_active"]
    audit.record(actor=actor, action="nudges.rule_create", target=rule, organization=cohort.organization,
                 changes=audit.diff({}, audit.snapshot(rule, fields_audited)))
    return rule


@transaction.atomic
def rule_update(*, actor, rule: NudgeRule, **fields) -> NudgeRule:
    """Change a rule the actor manages; `is_active=False` switches it off (its log stays)."""
    require(actor, "nudges.rules.manage", rule)
    # of=("self",): PostgreSQL cannot lock the optional cohort and squad rows of an outer join.
    rule = NudgeRule.objects.select_for_update(of=("self",)).select_related(
        "cohort", "squad", "organization").get(pk=rule.pk)
    audited = list(EDITABLE)
    before = audit.snapshot(rule, audited)
    _apply(rule, fields)
    _check(rule)
    changes = audit.diff(before, audit.snapshot(rule, audited))
    if changes:
        rule.updated_at = timezone.now()
        rule.save()
        audit.record(actor=actor, action="nudges.rule_update", target=rule, organization=rule.organization,
                     changes=changes)
    return rule

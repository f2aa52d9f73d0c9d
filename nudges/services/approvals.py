"""The facilitator's approval queue: proposed nudges approved (as they are or edited)
or skipped, a whole group (every channel of one nudge) at a time."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from core import audit
from core.errors import invalid
from core.events import emit_many
from core.policy import require

from ..events import NudgeVerb
from ..models import Message, MessageState
from .queueing import enqueue_after_commit


def _proposed(actor, groups: list[str]) -> list[Message]:
    if not groups:
        raise invalid(groups="Choose at least one nudge.")
    proposed = Message.objects.select_for_update(of=("self",)).select_related("cohort", "organization")
    messages = list(proposed.filter(group__in=groups, state=MessageState.PROPOSED).order_by("group", "pk"))
    for cohort in {m.cohort for m in messages}:
        require(actor, "nudges.approve", cohort)
    return messages


def _decide(actor, messages: list[Message], state: str, verb: str) -> int:
    now = timezone.now()
    ids = [m.pk for m in messages]
    fields = {"state": state, "decided_by": actor, "decided_at": now}
    if state == MessageState.QUEUED:
        fields["not_before"] = now
    Message.objects.filter(pk__in=ids).update(**fields)
    groups = {}
    for m in messages:
        groups.setdefault(m.group, m)
    if groups:
        first = next(iter(groups.values()))
        emit_many(verb, organization=first.organization, actor=actor, items=[
            (m, {"message_id": str(m.pk), "group": m.group, "rule_id": m.rule_id, "user_id": m.user_id,
                 "topic": m.topic}) for m in groups.values()])
        for m in groups.values():
            audit.record(actor=actor, action=f"nudge.{'approve' if state == MessageState.QUEUED else 'skip'}",
                         target=m, organization=m.organization)
    return len(groups)


@transaction.atomic
def proposals_approve(*, actor, groups: list[str], edits: dict[str, dict] | None = None) -> int:
    """Approve proposed nudges; `edits` maps a group to a new subject and/or body_text.
    Returns how many nudges were approved (already decided ones are left as they are)."""
    messages = _proposed(actor, groups)
    for group, edit in (edits or {}).items():
        subject = (edit.get("subject") or "").strip()
        body = (edit.get("body_text") or "").strip()
        if "subject" in edit and not subject:
            raise invalid(subject="A nudge needs a subject.")
        if "body_text" in edit and not body:
            raise invalid(body_text="A nudge needs a message.")
        for m in messages:
            if m.group != group:
                continue
            changes = {}
            if subject and subject != m.subject:
                changes["subject"] = [m.subject, subject]
                m.subject = subject[:200]
            if body and body != m.body_text:
                changes["body_text"] = [m.body_text, body]
                # The HTML is made from the edited text when it is sent.
                m.body_text, m.body_html = body, ""
            if changes:
                m.save(update_fields=["subject", "body_text", "body_html"])
                audit.record(actor=actor, action="nudge.edit", target=m, organization=m.organization,
                             changes=changes)
    approved = _decide(actor, messages, MessageState.QUEUED, NudgeVerb.NUDGE_APPROVED)
    enqueue_after_commit([m.pk for m in messages])
    return approved


@transaction.atomic
def proposals_skip(*, actor, groups: list[str]) -> int:
    messages = _proposed(actor, groups)
    return _decide(actor, messages, MessageState.SKIPPED, NudgeVerb.NUDGE_SKIPPED)

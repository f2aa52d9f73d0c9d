"""The periodic evaluation: who each active rule is due for, rendered into messages.

Each (rule, learner, period, channel) is one row with a unique key, inserted with ON
CONFLICT DO NOTHING; the ids this run created (their `created_at` is this run's
clock) are enqueued after commit. A duplicate beat tick, a retried task or two
workers evaluating at once therefore queue nothing twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from cohorts.models import Cohort, Organization, User
from core.bulk import insert_rows
from core.events import emit_many

from .. import rendering, triggers
from ..defaults import HOUSE_RULES
from ..events import NudgeVerb
from ..models import DeliverySettings, Message, MessageState, Mode, NudgeRule, TopicPreference
from .queueing import enqueue_after_commit

CHUNK = 5000


@dataclass
class Evaluation:
    rules: int = 0
    due: int = 0
    queued: int = 0
    proposed: int = 0
    suppressed: int = 0
    queued_ids: list = field(default_factory=list)

    def add(self, other: Evaluation) -> None:
        self.rules += other.rules
        self.due += other.due
        self.queued += other.queued
        self.proposed += other.proposed
        self.suppressed += other.suppressed
        self.queued_ids += other.queued_ids


def house_rules_install(organization: Organization) -> DeliverySettings:
    """An organisation's delivery settings, made with the house rules the first time
    (a rule an HR admin deleted later is not brought back)."""
    settings, created = DeliverySettings.objects.get_or_create(organization=organization)
    if created:
        for spec in HOUSE_RULES:
            NudgeRule.objects.get_or_create(organization=organization, code=spec["trigger"],
                                            defaults={**spec, "trigger": spec["trigger"]})
    return settings


def _chunks(items: list, size: int = CHUNK):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _people(user_ids: list[int]) -> dict[int, tuple[str, str]]:
    people = {}
    for chunk in _chunks(user_ids):
        people.update((pk, (name, tz)) for pk, name, tz in
                      User.objects.filter(pk__in=chunk).values_list("pk", "full_name", "timezone"))
    return people


def _switched_off(topic: str, user_ids: list[int]) -> set[tuple[int, str]]:
    off = set()
    for chunk in _chunks(user_ids):
        off.update(TopicPreference.objects.filter(topic=topic, enabled=False, user_id__in=chunk)
                   .values_list("user_id", "channel"))
    return off


def _evaluate_rule(rule: NudgeRule, now: datetime) -> Evaluation:
    result = Evaluation(rules=1)
    dues = list(triggers.due(rule, now))
    result.due = len(dues)
    if not dues:
        return result
    user_ids = sorted({d.user_id for d in dues})
    people = _people(user_ids)
    cohorts = dict(Cohort.objects.filter(pk__in={d.cohort_id for d in dues}).values_list("pk", "name"))
    off = _switched_off(rule.trigger, user_ids)
    compiled = rendering.Compiled(rule.subject, rule.body_text, rule.body_html)
    fresh = MessageState.PROPOSED if rule.mode == Mode.APPROVAL else MessageState.QUEUED
    channels = rule.channels
    rows = []
    for d in dues:
        name, tz = people.get(d.user_id, ("", "UTC"))
        context = rendering.context_for(user_name=name, user_tz=tz, cohort=cohorts.get(d.cohort_id, ""),
                                        task=d.title, due_at=d.due_at, days=rule.days,
                                        link=d.link or f"/cohorts/{d.cohort_id}/")
        subject, text, html = compiled.render(context)
        group = f"rule:{rule.pk}:{d.user_id}:{d.period}"
        for channel in channels:
            switched_off = (d.user_id, channel) in off
            rows.append({
                "organization_id": rule.organization_id, "cohort_id": d.cohort_id, "user_id": d.user_id,
                "rule_id": rule.pk, "topic": rule.trigger, "channel": channel, "key": f"{group}:{channel}",
                "group": group, "state": MessageState.SUPPRESSED if switched_off else fresh,
                "reason": "Turned off in the learner's preferences" if switched_off else "",
                "subject": subject, "body_text": text, "body_html": html, "link": context["link"],
                "obligation": d.obligation, "not_before": now, "created_at": now,
                "enqueued_at": now if fresh == MessageState.QUEUED and not switched_off else None,
            })
    insert_rows(Message, rows, ignore_conflicts=True)
    made = Message.objects.filter(rule=rule, created_at=now)
    for state, pk in made.values_list("state", "pk"):
        if state == MessageState.QUEUED:
            result.queued += 1
            result.queued_ids.append(pk)
        elif state == MessageState.PROPOSED:
            result.proposed += 1
        else:
            result.suppressed += 1
    suppressed = list(made.filter(state=MessageState.SUPPRESSED).select_related("cohort"))
    if suppressed:
        emit_many(NudgeVerb.NUDGE_SUPPRESSED, organization=rule.organization, items=[
            (m, {"message_id": str(m.pk), "rule_id": rule.pk, "topic": m.topic, "channel": m.channel,
                 "user_id": m.user_id, "reason": "preference"}) for m in suppressed])
    return result


def evaluate(*, now: datetime | None = None, organization: Organization | None = None) -> Evaluation:
    """Evaluate every active rule (of one organisation, or all), one transaction per
    rule, and enqueue the sends of what became due."""
    now = now or timezone.now()
    organizations = [organization] if organization else list(Organization.objects.all())
    for org in organizations:
        house_rules_install(org)
    total = Evaluation()
    rules = NudgeRule.objects.filter(is_active=True, organization__in=organizations).select_related(
        "organization").order_by("pk")
    for rule in rules:
        with transaction.atomic():
            result = _evaluate_rule(rule, now)
            enqueue_after_commit(result.queued_ids, mark=False)
        total.add(result)
    return total


def rule_preview(*, rule: NudgeRule, learner: User, now: datetime | None = None) -> dict:
    """The rule's message as this learner would read it: from their real due item when
    they have one, else with their name and cohort and a sample task."""
    now = now or timezone.now()
    due = next((d for d in triggers.due(rule, now) if d.user_id == learner.pk), None)
    membership = triggers.audience(rule).filter(user=learner).select_related("cohort").first()
    fallback = rule.cohort.name if rule.cohort else "your cohort"
    cohort_name = membership.cohort.name if membership else fallback
    compiled = rendering.Compiled(rule.subject, rule.body_text, rule.body_html)
    context = rendering.context_for(
        user_name=learner.full_name, user_tz=learner.timezone, cohort=cohort_name,
        task=due.title if due and due.title else "your next step", due_at=due.due_at if due else now,
        days=rule.days, link=(due.link if due and due.link else
                              f"/cohorts/{membership.cohort_id}/" if membership else "/"))
    subject, text, html = compiled.render(context)
    return {"subject": subject, "body_text": text, "body_html": rendering.message_html(text, html),
            "is_due": due is not None,
            "learner": learner.full_name or learner.email}

"""Writes of the points ledger. Entries are only ever added: points for an event,
reversals when the content that earned them is removed, re-grants when it comes
back. Totals and weekly points move in the same transaction as the entry.

`points_apply` is what the event consumer runs and what a rebuild replays, so a
rebuilt ledger equals the live one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from cohorts.models import Cohort, CohortMembership, CohortRole, User
from core import audit
from core.models import Event

from ..models import DailyRuleTally, LedgerEntry, PointRule, PointTotal, WeeklyPoints
from ..points import NAMED_PEOPLE, counts, effective_rules, history_text, local_day, recipient_id
from ..verbs import CONSUMED_VERBS, REMOVING_VERBS, RESTORING_VERBS, WITHDRAWN_ENDORSEMENT

EARNERS = (CohortRole.LEARNER, CohortRole.PEER_MENTOR)


def _subject_key(event: Event) -> str:
    return f"{event.subject_type}:{event.subject_id}"


def _move_totals(cohort_id: int, learner_id: int, week: dt.date, points: int) -> None:
    if not points:
        return
    now = timezone.now()
    for model, keys, extra in (
        (PointTotal, {"cohort_id": cohort_id, "learner_id": learner_id}, {"updated_at": now}),
        (WeeklyPoints, {"cohort_id": cohort_id, "learner_id": learner_id, "week": week}, {}),
    ):
        if not model.objects.filter(**keys).update(points=F("points") + points, **extra):
            try:
                with transaction.atomic():
                    model.objects.create(points=points, **keys, **extra)
            except IntegrityError:  # created by a concurrent grant since the update
                model.objects.filter(**keys).update(points=F("points") + points, **extra)


def _capped_points(rule: PointRule, learner_id: int, day: dt.date) -> tuple[int, DailyRuleTally | None]:
    """The points this grant may add under the rule's daily cap, with the locked
    tally to add them to."""
    if rule.daily_cap is None:
        return rule.points, None
    DailyRuleTally.objects.get_or_create(learner_id=learner_id, rule=rule, day=day)
    tally = DailyRuleTally.objects.select_for_update().get(learner_id=learner_id, rule=rule, day=day)
    return max(0, min(rule.points, rule.daily_cap - tally.points)), tally


def _names(event: Event, rules: Iterable[PointRule]) -> dict[str, str]:
    wanted = {
        placeholder: event.actor_id if key == "actor" else event.payload.get(key)
        for placeholder, key in NAMED_PEOPLE.items()
        if any("{" + placeholder + "}" in rule.history_text for rule in rules)
    }
    ids = {value for value in wanted.values() if isinstance(value, int)}
    if not ids:
        return {}
    people = {user.pk: user.display_name for user in User.objects.filter(pk__in=ids)}
    return {placeholder: people.get(pk, "") for placeholder, pk in wanted.items()}


def _grant(event: Event, cohort: Cohort, rules: list[PointRule]) -> list[LedgerEntry]:
    candidates = []
    for rule in rules:
        learner_id = recipient_id(rule, event.actor_id, event.payload)
        if counts(rule, event.payload, recipient=learner_id):
            candidates.append((rule, learner_id))
    if not candidates:
        return []
    earners = set(
        CohortMembership.objects.filter(
            cohort=cohort, user_id__in={pk for _, pk in candidates}, role__in=EARNERS
        ).values_list("user_id", flat=True)
    )
    candidates = [(rule, pk) for rule, pk in candidates if pk in earners]
    names = _names(event, [rule for rule, _ in candidates])
    day, week = local_day(event.occurred_at, cohort.timezone)
    made = []
    for rule, learner_id in candidates:
        points, tally = _capped_points(rule, learner_id, day)
        entry = LedgerEntry(
            organization_id=event.organization_id, cohort=cohort, learner_id=learner_id, rule=rule,
            source_event=event, subject_key=_subject_key(event), points=points,
            capped=points < rule.points, text=history_text(rule.history_text, names),
            day=day, week=week,
        )
        try:
            with transaction.atomic():
                entry.save()
        except IntegrityError:
            continue  # this rule already counted this event (a redelivery or a second worker)
        if tally is not None and points:
            DailyRuleTally.objects.filter(pk=tally.pk).update(points=F("points") + points)
        _move_totals(cohort.pk, learner_id, week, points)
        made.append(entry)
    return made


def _reverse(event: Event, entries: Iterable[LedgerEntry], why: str) -> list[LedgerEntry]:
    """A compensating entry for each of `entries` that nothing reverses yet."""
    made = []
    for entry in entries:
        reversal = LedgerEntry(
            organization_id=entry.organization_id, cohort_id=entry.cohort_id, learner_id=entry.learner_id,
            rule_id=entry.rule_id, source_event=event, subject_key=entry.subject_key, points=-entry.points,
            reverses=entry, text=f"{why}: {entry.text}"[:200], day=entry.day, week=entry.week,
        )
        try:
            with transaction.atomic():
                reversal.save()
        except IntegrityError:
            continue  # reversed already, by this event's redelivery or a concurrent worker
        _move_totals(entry.cohort_id, entry.learner_id, entry.week, reversal.points)
        made.append(reversal)
    return made


def _standing(subject_key: str, extra: Q | None = None) -> list[LedgerEntry]:
    """The entries of a subject that nothing reverses (the ends of their chains)."""
    entries = LedgerEntry.objects.filter(subject_key=subject_key, reversed_by__isnull=True)
    if extra is not None:
        entries = entries.filter(extra)
    return list(entries.order_by("pk"))


@transaction.atomic
def points_apply(event: Event) -> list[LedgerEntry]:
    """Everything the ledger does for one event: points by the organisation's rules,
    or reversals when content is removed, or re-grants when it is restored. Safe to
    repeat: each (rule, event) and each reversal is written at most once."""
    if event.verb not in CONSUMED_VERBS or event.cohort_id is None:
        return []
    key = _subject_key(event)
    if event.verb in REMOVING_VERBS:
        granted = [entry for entry in _standing(key) if entry.points > 0]
        return _reverse(event, granted, "Taken back, the post was removed")
    if event.verb in RESTORING_VERBS:
        taken = [entry for entry in _standing(key) if entry.points < 0 and entry.reverses_id]
        return _reverse(event, taken, "Given back, the post was restored")
    if event.verb == WITHDRAWN_ENDORSEMENT:
        endorser = event.payload.get("endorser_id")
        granted = _standing(key, Q(source_event__verb="post_endorsed",
                                   source_event__payload__endorser_id=endorser))
        return _reverse(event, [entry for entry in granted if entry.points > 0],
                        "Taken back, the endorsement was withdrawn")
    cohort = Cohort.objects.get(pk=event.cohort_id)
    rules = effective_rules(
        PointRule.objects.filter(Q(organization_id=event.organization_id) | Q(organization__isnull=True),
                                 verb=event.verb),
        event.organization_id,
    )
    return _grant(event, cohort, rules) if rules else []


def points_rebuild(*, organization=None, actor=None) -> dict[str, int]:
    """Throw the ledger, totals, weekly points and daily tallies away (for one
    organisation, or all) and replay the event log through `points_apply`, in the
    order the events happened. Runs in one transaction: a live grant racing it
    waits, then finds its entry already made."""
    with transaction.atomic():
        scope = {} if organization is None else {"organization": organization}
        cohort_scope = {} if organization is None else {"cohort__organization": organization}
        learner_scope = {} if organization is None else {"learner__organization": organization}
        LedgerEntry.objects.filter(**scope).delete()
        PointTotal.objects.filter(**cohort_scope).delete()
        WeeklyPoints.objects.filter(**cohort_scope).delete()
        DailyRuleTally.objects.filter(**learner_scope).delete()
        events = Event.objects.filter(verb__in=CONSUMED_VERBS, cohort__isnull=False, **scope).order_by(
            "occurred_at", "id")
        replayed = entries = 0
        for event in events.iterator(chunk_size=2000):
            entries += len(points_apply(event))
            replayed += 1
        if organization is not None:
            audit.record(actor=actor, action="points.rebuild", target=organization, organization=organization,
                         changes={"events": [None, replayed], "entries": [None, entries]})
    return {"events": replayed, "entries": entries}

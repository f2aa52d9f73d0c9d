"""Writes of the points ledger. Entries are only ever added: points for an event,
reversals when the content that earned them is removed, re-grants when it comes
back. Totals and weekly points move in the same transaction as the entry.

`points_apply` is what the event consumer runs and what a rebuild replays, so a
rebuilt ledger equals the live one.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence

from django.db import connection, models, transaction
from django.db.models import Q
from django.utils import timezone

from cohorts.models import Cohort, CohortMembership, CohortRole, User
from core.models import Event

from ..models import DailyRuleTally, LedgerEntry, PointRule, PointTotal, WeeklyPoints
from ..points import NAMED_PEOPLE, counts, effective_rules, history_text, local_day, recipient_ids
from ..verbs import CONSUMED_VERBS, REMOVING_VERBS, RESTORING_VERBS, WITHDRAWN_ENDORSEMENT

EARNERS = (CohortRole.LEARNER, CohortRole.PEER_MENTOR)

# The writes below are single INSERT ... ON CONFLICT statements (PostgreSQL and SQLite
# both take this syntax): one round trip per table for all of an event's entries, and
# a conflict skips or adds instead of raising, so no entry needs its own savepoint.


def _subject_key(event: Event) -> str:
    return f"{event.subject_type}:{event.subject_id}"


def _table(model: type[models.Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _column(model: type[models.Model], name: str) -> str:
    return connection.ops.quote_name(model._meta.get_field(name).column)


def _upsert_adding(model: type[models.Model], keys: Sequence[str], rows: Iterable[tuple],
                   also: Sequence[str] = (), returning: Sequence[str] = ()) -> list[tuple]:
    """Add each row's points to the row with its keys (creating it), and set the
    `also` columns; `rows` hold the keys, the points and the `also` values, and
    no two may share keys."""
    rows = list(rows)
    if not rows:
        return []
    table, names = _table(model), [*keys, "points", *also]
    fields = [model._meta.get_field(name) for name in names]
    values = ", ".join(["(" + ", ".join(["%s"] * len(names)) + ")"] * len(rows))
    params = [field.get_db_prep_save(value, connection) for row in rows for field, value in zip(
        fields, row, strict=True)]
    points = _column(model, "points")
    changes = ", ".join([f"{points} = {table}.{points} + excluded.{points}",
                         *(f"{_column(model, n)} = excluded.{_column(model, n)}" for n in also)])
    # Identifiers from the model's metadata, values as parameters.
    sql = (f"INSERT INTO {table} ({', '.join(_column(model, n) for n in names)}) VALUES {values} "  # noqa: S608
           f"ON CONFLICT ({', '.join(_column(model, n) for n in keys)}) DO UPDATE SET {changes}")
    if returning:
        sql += f" RETURNING {', '.join(_column(model, n) for n in returning)}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if returning else []


def _insert_new(entries: list[LedgerEntry]) -> list[LedgerEntry]:
    """Insert the entries the ledger does not hold yet, in one statement; the unique
    (rule, event, learner) and one-reversal-per-entry keys skip the others (a
    redelivered event, or a second worker). Returns the inserted ones."""
    if not entries:
        return []
    fields = [field for field in LedgerEntry._meta.concrete_fields if not field.primary_key]
    values = ", ".join(["(" + ", ".join(["%s"] * len(fields)) + ")"] * len(entries))
    params = [field.get_db_prep_save(field.pre_save(entry, True), connection)
              for entry in entries for field in fields]
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    keys = ", ".join(_column(LedgerEntry, name) for name in ("id", "rule", "learner", "reverses"))
    sql = (f"INSERT INTO {_table(LedgerEntry)} ({columns}) VALUES {values} "  # noqa: S608 - as above
           f"ON CONFLICT DO NOTHING RETURNING {keys}")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        inserted = {tuple(row[1:]): row[0] for row in cursor.fetchall()}
    made = []
    for entry in entries:
        pk = inserted.get((entry.rule_id, entry.learner_id, entry.reverses_id))
        if pk is not None:
            entry.pk, entry._state.adding, entry._state.db = pk, False, connection.alias
            made.append(entry)
    return made


def _move_totals(entries: list[LedgerEntry]) -> None:
    """Totals and weekly points follow the entries: one upsert for each."""
    totals, weekly = Counter(), Counter()
    for entry in entries:
        totals[entry.cohort_id, entry.learner_id] += entry.points
        weekly[entry.cohort_id, entry.learner_id, entry.week] += entry.points
    now = timezone.now()
    _upsert_adding(PointTotal, ["cohort", "learner"],
                   sorted((*key, points, now) for key, points in totals.items() if points),
                   also=["updated_at"])
    _upsert_adding(WeeklyPoints, ["cohort", "learner", "week"],
                   sorted((*key, points) for key, points in weekly.items() if points))


def _claim_daily_room(claims: list[tuple[PointRule, int]], day: dt.date) -> dict[tuple[int, int], int]:
    """Add each capped grant's full points to its learner's tally for the day and
    return what the tally held before, by (rule, learner). The upsert locks the
    rows until commit, so a racing grant waits and then sees this one's points;
    sorted, so two grants lock shared rows in the same order."""
    claims = sorted(claims, key=lambda claim: (claim[1], claim[0].pk))
    after = _upsert_adding(DailyRuleTally, ["learner", "rule", "day"],
                           [(learner_id, rule.pk, day, rule.points) for rule, learner_id in claims],
                           returning=["learner", "rule", "points"])
    points = {rule.pk: rule.points for rule, _ in claims}
    return {(rule_id, learner_id): total - points[rule_id] for learner_id, rule_id, total in after}


def cohort_people(event: Event, ids: set[int]) -> tuple[dict[int, User], str]:
    """The people an event's points may go to or its texts name, each with their
    role in the event's cohort (None outside it), and the cohort's timezone.

    Raw SQL: this runs for nearly every event, and compiling the ORM's version of it
    (with the membership and cohort as subqueries) took longer than running it."""
    placeholders = ", ".join(["%s"] * len(ids))
    sql = (
        "SELECT u.id, u.full_name, u.email, m.role AS cohort_role, c.timezone AS cohort_timezone "  # noqa: S608
        f"FROM {_table(Cohort)} c CROSS JOIN {_table(User)} u "
        f"LEFT JOIN {_table(CohortMembership)} m ON m.cohort_id = c.id AND m.user_id = u.id "
        f"WHERE c.id = %s AND u.id IN ({placeholders})"
    )
    people = {user.pk: user for user in User.objects.raw(sql, [event.cohort_id, *sorted(ids)])}
    zone = next(iter(people.values())).cohort_timezone if people else ""
    return people, zone


def _rules(event: Event) -> list[PointRule]:
    """The rules in force for the event's verb in its organisation (raw, as `_people`)."""
    rules = PointRule.objects.raw(
        f"SELECT * FROM {_table(PointRule)} WHERE verb = %s "  # noqa: S608
        "AND (organization_id = %s OR organization_id IS NULL)",
        [event.verb, event.organization_id],
    )
    return effective_rules(rules, event.organization_id)


def _grant(event: Event, rules: list[PointRule]) -> list[LedgerEntry]:
    candidates = [
        (rule, learner_id)
        for rule in rules if counts(rule, event.payload)
        for learner_id in recipient_ids(rule, event.actor_id, event.payload)
    ]
    if not candidates:
        return []
    named = {
        placeholder: event.actor_id if key == "actor" else event.payload.get(key)
        for placeholder, key in NAMED_PEOPLE.items()
        if any("{" + placeholder + "}" in rule.history_text for rule, _ in candidates)
    }
    people, zone = cohort_people(event, {pk for _, pk in candidates}
                           | {pk for pk in named.values() if isinstance(pk, int)})
    candidates = [(rule, pk) for rule, pk in candidates if pk in people and people[pk].cohort_role in EARNERS]
    if not candidates:
        return []
    names = {placeholder: people[pk].display_name if pk in people else ""
             for placeholder, pk in named.items()}
    day, week = local_day(event.occurred_at, zone)
    capped = [(rule, pk) for rule, pk in candidates if rule.daily_cap is not None]
    before = _claim_daily_room(capped, day) if capped else {}
    entries = []
    for rule, learner_id in candidates:
        points = rule.points
        if rule.daily_cap is not None:
            points = max(0, min(rule.points, rule.daily_cap - before[rule.pk, learner_id]))
        entries.append(LedgerEntry(
            organization_id=event.organization_id, cohort_id=event.cohort_id, learner_id=learner_id,
            rule=rule, source_event=event, subject_key=_subject_key(event), points=points,
            capped=points < rule.points, text=history_text(rule.history_text, names), day=day, week=week,
        ))
    made = _insert_new(entries)
    # Take back from the tallies what the cap refused, and all of it where the entry
    # existed already (rare: the claim above added the rule's full points).
    granted = {(entry.rule_id, entry.learner_id): entry.points for entry in made}
    for rule, learner_id in capped:
        refused = rule.points - granted.get((rule.pk, learner_id), 0)
        if refused:
            DailyRuleTally.objects.filter(learner_id=learner_id, rule=rule, day=day).update(
                points=models.F("points") - refused)
    _move_totals(made)
    return made


def _reverse(event: Event, entries: Iterable[LedgerEntry], why: str) -> list[LedgerEntry]:
    """A compensating entry for each of `entries` that nothing reverses yet."""
    made = _insert_new([
        LedgerEntry(
            organization_id=entry.organization_id, cohort_id=entry.cohort_id, learner_id=entry.learner_id,
            rule_id=entry.rule_id, source_event=event, subject_key=entry.subject_key, points=-entry.points,
            reverses=entry, text=f"{why}: {entry.text}"[:200], day=entry.day, week=entry.week,
        )
        for entry in entries
    ])
    _move_totals(made)
    return made


def _standing(subject_key: str, extra: Q | None = None) -> list[LedgerEntry]:
    """The entries of a subject that nothing reverses (the ends of their chains)."""
    entries = LedgerEntry.objects.filter(subject_key=subject_key, reversed_by__isnull=True)
    if extra is not None:
        entries = entries.filter(extra)
    return list(entries.order_by("pk"))


# No savepoint: the consumer's transaction (or the rebuild's) rolls back as a whole
# when this fails, and nothing here catches a database error to carry on.
@transaction.atomic(savepoint=False)
def points_apply(event: Event) -> list[LedgerEntry]:
    """Everything the ledger does for one event: points by the organisation's rules,
    or reversals when content is removed, or re-grants when it is restored. Safe to
    repeat: each (rule, event, learner) and each reversal is written at most once."""
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
    rules = _rules(event)
    return _grant(event, rules) if rules else []


def points_wipe(*, organization=None) -> None:
    """Throw the ledger, totals, weekly points and daily tallies away (for one
    organisation, or all) before a rebuild replays the event log (services.rebuild)."""
    scope = {} if organization is None else {"organization": organization}
    cohort_scope = {} if organization is None else {"cohort__organization": organization}
    learner_scope = {} if organization is None else {"learner__organization": organization}
    LedgerEntry.objects.filter(**scope).delete()
    PointTotal.objects.filter(**cohort_scope).delete()
    WeeklyPoints.objects.filter(**cohort_scope).delete()
    DailyRuleTally.objects.filter(**learner_scope).delete()

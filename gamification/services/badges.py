"""Writes of badges: progress and awards from consumed events, revocation by an HR
admin, and the organisation's signing key.

`badges_apply` runs in the same consumer transaction as `points_apply` (after it,
so a points badge sees the new total) and in the same order during a rebuild, so
rebuilt awards equal the live ones. An award is made at most once per badge and
learner (a unique key); a revoked award stays revoked and is not earned again.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterator, Mapping

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Q

from cohorts.models import Organization
from core import audit, policy
from core.events import emit
from core.models import Event

from .. import openbadges
from ..badge_models import Badge, BadgeAward, BadgeKind, BadgeProgress, SigningKey
from ..events import GamificationVerb
from ..models import LedgerEntry, PointTotal, Recipient
from ..points import in_force, local_day, words_in
from ..verbs import EARNING_VERBS
from .ledger import EARNERS, cohort_people

# During a rebuild: the ids the awards had, so a re-made award keeps its credential id
# (and its public verification address), and no second badge_awarded event is sent.
_replaying: contextvars.ContextVar[dict | None] = contextvars.ContextVar("badge_replay", default=None)


@contextlib.contextmanager
def replaying(award_ids: dict[tuple[int, int], uuid.UUID]) -> Iterator[None]:
    token = _replaying.set(award_ids)
    try:
        yield
    finally:
        _replaying.reset(token)


def effective_badges(organization_id: int, **filters) -> list[Badge]:
    """The organisation's active badges: its own, and the house defaults whose code it
    has not replaced (an inactive own badge switches the default off)."""
    candidates = list(Badge.objects.filter(
        Q(organization_id=organization_id) | Q(organization__isnull=True), **filters))
    return in_force(candidates, organization_id)


def _people(badge: Badge, event: Event) -> list[int]:
    if badge.recipient == Recipient.ACTOR:
        return [event.actor_id] if event.actor_id else []
    value = event.payload.get(badge.recipient)
    if isinstance(value, list):
        return [pk for pk in value if isinstance(pk, int)]
    return [value] if isinstance(value, int) else []


def qualifies(badge: Badge, payload: Mapping) -> bool:
    """Whether an event counts toward the badge under its conditions."""
    if payload.get("is_self") or payload.get("first_rating") is False:
        return False  # one's own work, or a changed rating: neither counts again
    if badge.min_words is not None and words_in(payload) < badge.min_words:
        return False
    if badge.min_rating is not None and not (payload.get("rating") or 0) >= badge.min_rating:
        return False
    return badge.min_accuracy is None or (payload.get("accuracy") or 0) >= badge.min_accuracy


def criterion_met(badge: Badge, weeks: Mapping[dt.date, int], this_week: dt.date) -> bool:
    """Whether a learner's weekly progress meets a counting badge's criterion."""
    if badge.kind == BadgeKind.SINGLE_EVENT:
        return sum(weeks.values()) >= 1
    if badge.kind == BadgeKind.STREAK:
        # The unbroken run of weeks through this event's week (an event may arrive late).
        run = 0
        for step in (dt.timedelta(weeks=-1), dt.timedelta(weeks=1)):
            week = this_week if step.days < 0 else this_week + step
            while weeks.get(week, 0) >= badge.per_week:
                run += 1
                week += step
        return run >= badge.threshold
    if badge.period_weeks:
        since = this_week - dt.timedelta(weeks=badge.period_weeks - 1)
        return sum(count for week, count in weeks.items() if since <= week <= this_week) >= badge.threshold
    return sum(weeks.values()) >= badge.threshold


def _badges_for(event: Event) -> list[Badge]:
    """The badges in force in the event's organisation. Raw SQL, as the ledger's rule
    read: it runs for every event, and building the ORM query cost more than running it."""
    table = connection.ops.quote_name(Badge._meta.db_table)
    candidates = list(Badge.objects.raw(
        f"SELECT * FROM {table} WHERE organization_id = %s OR organization_id IS NULL",  # noqa: S608
        [event.organization_id]))
    return in_force(candidates, event.organization_id)


def _count(pairs: list[tuple[int, int]], week: dt.date) -> None:
    """One more event for each (badge, learner) this week: one upsert for all of them,
    rows in a fixed order so two workers lock shared rows alike."""
    table = connection.ops.quote_name(BadgeProgress._meta.db_table)
    week_value = BadgeProgress._meta.get_field("week").get_db_prep_save(week, connection)
    values = ", ".join(["(%s, %s, %s, 1)"] * len(pairs))
    params = [value for badge_id, learner_id in sorted(pairs) for value in (badge_id, learner_id, week_value)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (badge_id, learner_id, week, count) VALUES {values} "  # noqa: S608
            f"ON CONFLICT (badge_id, learner_id, week) DO UPDATE SET count = {table}.count + 1", params)


def _award(badge: Badge, learner_id: int, event: Event) -> BadgeAward | None:
    replay = _replaying.get()
    award = BadgeAward(
        id=(replay or {}).get((badge.pk, learner_id)) or uuid.uuid4(),
        organization_id=event.organization_id, badge=badge, learner_id=learner_id,
        cohort_id=event.cohort_id, source_event=event, awarded_at=event.occurred_at,
    )
    try:
        with transaction.atomic():
            award.save(force_insert=True)
    except IntegrityError:
        return None  # awarded already, by a redelivery or a concurrent worker
    if replay is None:
        emit(GamificationVerb.BADGE_AWARDED, organization=event.organization, cohort=event.cohort,
             subject=award, payload={"award_id": str(award.pk), "badge_id": badge.pk,
                                     "badge_code": badge.code, "badge_name": badge.name,
                                     "learner_id": learner_id})
    return award


def _apply_revocation(event: Event) -> list[BadgeAward]:
    """Replays a revocation (live, the service has already applied it)."""
    award = BadgeAward.objects.filter(pk=event.payload.get("award_id"), revoked_at__isnull=True).first()
    if award is None:
        return []
    award.revoked_at, award.revoked_by_id = event.occurred_at, event.actor_id
    award.revocation_reason = str(event.payload.get("reason", ""))[:300]
    award.save(update_fields=["revoked_at", "revoked_by", "revocation_reason"])
    return [award]


def badges_apply(event: Event, entries: list[LedgerEntry] | None = None) -> list[BadgeAward]:
    """Progress and awards for one consumed event. Runs inside the consumer's
    transaction, after the event's points (`entries`: the ledger entries the event just
    made, which a points badge looks at; read back when not given)."""
    if event.verb == GamificationVerb.BADGE_REVOKED:
        return _apply_revocation(event)
    if event.verb not in EARNING_VERBS or event.cohort_id is None:
        return []
    badges = _badges_for(event)
    wanted: dict[int, tuple[Badge, list[int]]] = {}
    for badge in badges:
        if badge.kind == BadgeKind.POINTS:
            continue  # below, for whoever this event's points moved
        if badge.verb == event.verb and qualifies(badge, event.payload):
            people = _people(badge, event)
            if people:
                wanted[badge.pk] = (badge, people)
    points_badges = [badge for badge in badges if badge.kind == BadgeKind.POINTS]
    if not wanted and not points_badges:
        return []
    everyone = {pk for _, people in wanted.values() for pk in people}
    if points_badges:
        if entries is None:
            entries = list(LedgerEntry.objects.filter(source_event=event))
        moved = {entry.learner_id for entry in entries if entry.points > 0}
        for badge in points_badges:
            if moved:
                wanted[badge.pk] = (badge, sorted(moved))
        everyone |= moved
    if not everyone:
        return []
    people, timezone_name = cohort_people(event, everyone)
    earners = {pk for pk, person in people.items() if person.cohort_role in EARNERS}
    held = set(BadgeAward.objects.filter(badge_id__in=wanted, learner_id__in=earners)
               .values_list("badge_id", "learner_id"))
    pending = [(badge, pk) for badge, people in wanted.values() for pk in people
               if pk in earners and (badge.pk, pk) not in held]
    if not pending:
        return []
    _, week = local_day(event.occurred_at, timezone_name or "UTC")
    counting = [(badge, pk) for badge, pk in pending if badge.kind != BadgeKind.POINTS]
    if counting:
        _count([(badge.pk, pk) for badge, pk in counting], week)
    progress: dict[tuple[int, int], dict[dt.date, int]] = defaultdict(dict)
    if counting:
        rows = BadgeProgress.objects.filter(
            badge_id__in={badge.pk for badge, _ in counting}, learner_id__in={pk for _, pk in counting},
        ).values_list("badge_id", "learner_id", "week", "count")
        for badge_id, learner_id, row_week, count in rows:
            progress[(badge_id, learner_id)][row_week] = count
    totals = {}
    if points_badges:
        totals = dict(PointTotal.objects.filter(cohort_id=event.cohort_id, learner_id__in=everyone)
                      .values_list("learner_id", "points"))
    made = []
    for badge, pk in pending:
        if badge.kind == BadgeKind.POINTS:
            met = totals.get(pk, 0) >= badge.threshold
        else:
            met = criterion_met(badge, progress[(badge.pk, pk)], week)
        if met and (award := _award(badge, pk, event)) is not None:
            made.append(award)
    return made


@transaction.atomic
def badge_revoke(*, actor, award: BadgeAward, reason: str) -> BadgeAward:
    """Take a badge back. The award stays, marked revoked: its credential then
    verifies as revoked. Audited, and an event (which a rebuild replays)."""
    policy.require(actor, "badges.revoke", award)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the badge is revoked; the earner sees it."})
    award = BadgeAward.objects.select_for_update().select_related("badge", "organization").get(pk=award.pk)
    if award.is_revoked:
        raise ValidationError({"reason": "This badge was already revoked."})
    event = emit(GamificationVerb.BADGE_REVOKED, organization=award.organization, actor=actor,
                 cohort=award.cohort, subject=award,
                 payload={"award_id": str(award.pk), "badge_id": award.badge_id,
                          "badge_code": award.badge.code, "learner_id": award.learner_id,
                          "reason": reason[:300]})
    award.revoked_at, award.revoked_by, award.revocation_reason = event.occurred_at, actor, reason[:300]
    award.save(update_fields=["revoked_at", "revoked_by", "revocation_reason"])
    audit.record(actor=actor, action="badge.revoke", target=award, organization=award.organization,
                 changes={"revoked_at": [None, award.revoked_at.isoformat()],
                          "reason": ["", award.revocation_reason]})
    return award


def badges_wipe(*, organization: Organization | None) -> dict[tuple[int, int], uuid.UUID]:
    """Remove awards and progress before a rebuild; returns the award ids to reuse."""
    awards = BadgeAward.objects.all() if organization is None else BadgeAward.objects.filter(
        organization=organization)
    ids = {(badge_id, learner_id): pk for pk, badge_id, learner_id in
           awards.values_list("pk", "badge_id", "learner_id")}
    awards.delete()
    progress = BadgeProgress.objects.all() if organization is None else BadgeProgress.objects.filter(
        learner__organization=organization)
    progress.delete()
    return ids


def signing_key(organization: Organization) -> SigningKey:
    """The organisation's badge signing key, made on first use (once, even when two
    downloads ask at the same moment)."""
    key = SigningKey.objects.filter(organization=organization).first()
    if key is not None:
        return key
    try:
        with transaction.atomic():
            return SigningKey.objects.create(organization=organization,
                                             private_pem=openbadges.generate_signing_key())
    except IntegrityError:
        return SigningKey.objects.get(organization=organization)

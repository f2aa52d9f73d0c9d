"""Rebuilding points and badges from the event log: throw the ledger, its aggregates
and the awards away and replay every consumed event, in the order they happened,
through the same functions the live consumer runs. So the result equals what the
live consumer produced; awards keep their ids (their credentials' addresses) and
revocations come back from their events."""

from __future__ import annotations

from django.db import transaction

from core import audit
from core.models import Event

from ..verbs import CONSUMED_VERBS
from .badges import badges_apply, badges_wipe, replaying
from .ledger import points_apply, points_wipe


def gamification_rebuild(*, organization=None, actor=None) -> dict[str, int]:
    """Rebuild for one organisation, or all. One transaction: a live grant racing it
    waits, then finds its entry already made."""
    with transaction.atomic():
        scope = {} if organization is None else {"organization": organization}
        points_wipe(organization=organization)
        award_ids = badges_wipe(organization=organization)
        # Every consumed verb, with or without a cohort: a revocation may have none.
        events = Event.objects.filter(verb__in=CONSUMED_VERBS, **scope).order_by("occurred_at", "id")
        replayed = entries = awards = 0
        with replaying(award_ids):
            for event in events.iterator(chunk_size=2000):
                made = points_apply(event)
                awards += len(badges_apply(event, made))
                entries += len(made)
                replayed += 1
        if organization is not None:
            audit.record(actor=actor, action="points.rebuild", target=organization, organization=organization,
                         changes={"events": [None, replayed], "entries": [None, entries],
                                  "awards": [None, awards]})
    return {"events": replayed, "entries": entries, "awards": awards}

"""Which rules apply, whose points they are, and whether a rule counts for an
event: pure functions over rules and an event's payload. The ledger (``services``)
does the writing; ``verbs`` lists the events that earn or take back points."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable, Mapping

from .models import PointRule, Recipient

# People a history text may name, e.g. "{endorser} endorsed your post".
# "actor" is whoever did it (the event's actor); the others are payload keys.
NAMED_PEOPLE = {"actor": "actor", "author": "author_id", "reviewer": "reviewer_id",
                "endorser": "endorser_id", "learner": "learner_id", "recipient": "recipient_id"}


def in_force(candidates: Iterable, organization_id: int) -> list:
    """Of an organisation's own rows and the house defaults (point rules, badges), the
    active ones in force: its own, and the defaults whose code it has not overridden
    (an inactive own row switches the default off). Keeps the candidates' order."""
    candidates = list(candidates)
    own = {item.code for item in candidates if item.organization_id == organization_id}
    return [item for item in candidates if item.is_active
            and (item.organization_id == organization_id or item.code not in own)]


def effective_rules(rules: Iterable[PointRule], organization_id: int) -> list[PointRule]:
    """The rules in force for an organisation, by code."""
    return sorted(in_force(rules, organization_id), key=lambda rule: rule.code)


def recipient_ids(rule: PointRule, actor_id: int | None, payload: Mapping) -> list[int]:
    """Whose points they are: one person, or each member a list names (once each)."""
    value = actor_id if rule.recipient == Recipient.ACTOR else payload.get(rule.recipient)
    ids: list[int] = []
    for pk in value if isinstance(value, list) else [value]:
        # bool is an int to Python, but never a user id
        if isinstance(pk, int) and not isinstance(pk, bool) and pk not in ids:
            ids.append(pk)
    return ids


def words_in(payload: Mapping) -> int:
    """Words of the post, comment or review the event is about."""
    for key in ("words", "comment_words"):
        if isinstance(payload.get(key), int):
            return payload[key]
    return 0


def counts(rule: PointRule, payload: Mapping) -> bool:
    """Whether the rule's conditions hold for this event (for whoever receives it)."""
    if payload.get("is_self"):
        return False  # a self-assessment reviews one's own work: it earns nothing
    if rule.min_words is not None and words_in(payload) < rule.min_words:
        return False
    if rule.min_rating is not None and not (payload.get("rating") or 0) >= rule.min_rating:
        return False
    if rule.min_accuracy is not None and not (payload.get("accuracy") or 0) >= rule.min_accuracy:
        return False
    return not (rule.only_first and payload.get("first_rating") is False)


def local_day(moment: dt.datetime, timezone_name: str) -> tuple[dt.date, dt.date]:
    """(day, Monday of its week) of a moment in a cohort's timezone."""
    try:
        zone = zoneinfo.ZoneInfo(timezone_name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = dt.UTC
    day = moment.astimezone(zone).date()
    return day, day - dt.timedelta(days=day.weekday())


def history_text(template: str, names: Mapping[str, str]) -> str:
    """The rule's history text with the people it names filled in ("a peer" when a
    name is unknown), cut to the ledger's column."""
    text = template
    for placeholder in NAMED_PEOPLE:
        text = text.replace("{" + placeholder + "}", names.get(placeholder) or "a peer")
    return text[:200]

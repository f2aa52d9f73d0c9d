"""Ranking a cohort's week for the Top Take digest.

Scores come from the week's events: a facilitator's Top Take pick counts most, then
endorsements weighted by who gave them (staff and mentors more than peers), the
distinct people a post drew into replying, reviews rated useful, and a little for
recency. Then the selection spreads the spotlight: one item per author, squads take
turns, and people featured in the last two digests need a clearly better week to be
featured again, because a digest of the same stars every week tells everyone else
they are not in the race.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from cohorts.models import CohortMembership, CohortRole, User
from core.markdown import excerpt
from core.models import Event
from discussions.selectors import post_url, posts_for_digest

ITEMS = 5
QUOTES = 2
QUOTE_MAX = 140
PICK = 10.0
ENDORSER_WEIGHT = {CohortRole.FACILITATOR: 3.0, CohortRole.EXPERT: 3.0, CohortRole.PEER_MENTOR: 2.0,
                   CohortRole.LEARNER: 1.0}
REPLIER = 0.75
USEFUL_REVIEW = 1.0
RECENCY = 1.0
RECENT_STAR_FACTOR = 0.6
VERBS = ["post_created", "reply_created", "post_endorsed", "post_unendorsed", "top_take_selected",
         "usefulness_rated", "post_hidden", "post_deleted", "post_restored"]


@dataclass
class Candidate:
    kind: str  # "post" or "reviews"
    key: int
    author_id: int
    squad_id: int | None
    at: datetime
    picked_reason: str = ""
    endorsements: dict[int, str] = field(default_factory=dict)  # endorser -> text
    repliers: set[int] = field(default_factory=set)
    useful: int = 0
    score: float = 0.0


def _collect(cohort_id: int, start: datetime, end: datetime) -> dict[tuple[str, int], Candidate]:
    candidates: dict[tuple[str, int], Candidate] = {}
    events = Event.objects.filter(cohort_id=cohort_id, occurred_at__gte=start, occurred_at__lt=end,
                                  verb__in=VERBS).order_by("occurred_at").values_list(
        "verb", "actor_id", "payload", "occurred_at")
    removed: set[int] = set()
    events = list(events)
    # Posts first, then what happened to them: events of one instant come in any order.
    for verb, _, payload, at in events:
        if verb in ("post_created", "reply_created"):
            post_id = payload["post_id"]
            candidates[("post", post_id)] = Candidate("post", post_id, payload["author_id"],
                                                      payload.get("squad_id"), at)
    for verb, actor_id, payload, at in events:
        post_id = payload.get("post_id")
        candidate = candidates.get(("post", post_id))
        if verb == "reply_created":
            parent = candidates.get(("post", payload.get("parent_id")))
            if parent and payload["author_id"] != parent.author_id:
                parent.repliers.add(payload["author_id"])
        elif verb in ("post_hidden", "post_deleted"):
            removed.add(post_id)
        elif verb == "post_restored":
            removed.discard(post_id)
        elif verb == "post_endorsed" and candidate:
            candidate.endorsements[payload.get("endorser_id") or actor_id] = payload.get("text") or ""
        elif verb == "post_unendorsed" and candidate:
            candidate.endorsements.pop(payload.get("endorser_id") or actor_id, None)
        elif verb == "top_take_selected" and candidate:
            candidate.picked_reason = payload.get("reason") or "Picked by a facilitator"
        elif verb == "usefulness_rated" and (payload.get("rating") or 0) >= 4:
            reviewer = payload["reviewer_id"]
            row = candidates.setdefault(("reviews", reviewer),
                                        Candidate("reviews", reviewer, reviewer, None, at))
            row.useful += 1
            row.at = max(row.at, at)
    for post_id in removed:
        candidates.pop(("post", post_id), None)
    return candidates


def rank(cohort, start: datetime, end: datetime, *, recent_stars: set[int] = frozenset()) -> list[dict]:
    """The digest's items for the week [start, end), best first, as plain data."""
    candidates = _collect(cohort.pk, start, end)
    if not candidates:
        return []
    roles, squads = {}, {}
    for user_id, role, squad in CohortMembership.objects.filter(cohort=cohort).values_list(
            "user_id", "role", "squad__name"):
        roles[user_id], squads[user_id] = role, squad
    span = max((end - start).total_seconds(), 1)
    for c in candidates.values():
        c.score = (PICK if c.picked_reason else 0.0) \
            + sum(ENDORSER_WEIGHT.get(roles.get(u), 1.0) for u in c.endorsements) \
            + REPLIER * len(c.repliers) + USEFUL_REVIEW * c.useful \
            + RECENCY * (c.at - start).total_seconds() / span
        if c.author_id in recent_stars:
            c.score *= RECENT_STAR_FACTOR
    # Only contributions someone noticed make the digest; recency alone is not merit.
    noticed = [c for c in candidates.values() if c.picked_reason or c.endorsements or c.repliers or c.useful]
    posts = posts_for_digest([c.key for c in noticed if c.kind == "post"])
    noticed = [c for c in noticed if c.kind == "reviews" or c.key in posts]
    chosen = _spread(sorted(noticed, key=lambda c: (-c.score, c.at)), posts)
    names = dict(User.objects.filter(pk__in={u for c in chosen for u in c.endorsements} |
                                     {c.author_id for c in chosen}).values_list("pk", "full_name"))
    return [_item(c, posts.get(c.key), names, squads, roles) for c in chosen]


def _spread(ordered: list[Candidate], posts: dict) -> list[Candidate]:
    """At most one item per author; each squad's best first, then the rest by score."""
    chosen: list[Candidate] = []
    authors: set[int] = set()
    squads_seen: set = set()

    def squad_of(c: Candidate):
        return posts[c.key]["squad"] if c.kind == "post" else None

    for first_pass in (True, False):
        for c in ordered:
            if len(chosen) >= ITEMS:
                break
            if c.author_id in authors or c in chosen:
                continue
            if first_pass and squad_of(c) in squads_seen:
                continue
            chosen.append(c)
            authors.add(c.author_id)
            squads_seen.add(squad_of(c))
    return sorted(chosen, key=lambda c: (-c.score, c.at))


def _item(c: Candidate, post: dict | None, names: dict, squads: dict, roles: dict) -> dict:
    author = names.get(c.author_id) or "A peer"
    # The weightiest endorsers' words first.
    said = sorted(((u, text) for u, text in c.endorsements.items() if text.strip()),
                  key=lambda pair: (-ENDORSER_WEIGHT.get(roles.get(pair[0]), 1.0), pair[0]))
    quotes = [{"name": (names.get(u) or "A peer").split(" ")[0], "text": text[:QUOTE_MAX]}
              for u, text in said[:QUOTES]]
    base = {"kind": c.kind, "author_id": c.author_id, "author_name": author, "score": round(c.score, 2),
            "top_take": c.picked_reason, "endorsements": len(c.endorsements), "quotes": quotes,
            "repliers": len(c.repliers)}
    if c.kind == "reviews":
        return {**base, "squad": squads.get(c.author_id) or "", "excerpt": "",
                "headline": f"{author}'s reviews were rated useful {c.useful} "
                            f"time{'s' if c.useful != 1 else ''}",
                "post_id": None, "url": "", "useful": c.useful}
    # Excerpts and links only for the few items chosen: rendering Markdown for every
    # candidate was most of the ranking's time.
    return {**base, "post_id": c.key, "squad": post["squad"], "excerpt": excerpt(post["body"], length=240),
            "url": post_url(c.key),
            "headline": f"{author} in {post['prompt']}" if post["prompt"] else author, "useful": 0}

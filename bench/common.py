"""Shared set-up for benchmark commands: Django on a throw-away database."""

from __future__ import annotations

import datetime as dt
import os
import random
import sys
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()


@contextmanager
def scratch_database():
    """Create the test database (as the test suite would), yield, drop it."""
    from django.db import connection
    from django.test.utils import setup_test_environment, teardown_test_environment

    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        yield connection
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()


def print_table(title: str, headers: list[str], rows: list[list[object]]) -> None:
    widths = [max(len(str(h)), *(len(str(r[i])) for r in rows)) for i, h in enumerate(headers)]
    line = "  ".join(f"{{:<{w}}}" for w in widths)
    print(f"\n{title}")
    print(line.format(*headers))
    print(line.format(*("-" * w for w in widths)))
    for row in rows:
        print(line.format(*row))


# --- A realistic points history --------------------------------------------------
# Event rows as the discussions, peer review and kudos services emit them (the same
# verbs, subjects and payload keys), for the points benchmark and the rebuild test.


@dataclass
class CohortPeople:
    """Who takes part in one cohort: earners (learners and peer mentors) in squads,
    and staff who act (endorse, pick Top Takes, moderate) but earn nothing."""

    organization_id: int
    cohort_id: int
    squads: list[list[int]]
    staff: list[int]

    @property
    def earners(self) -> list[int]:
        return [pk for squad in self.squads for pk in squad]


# Relative frequency of each verb: discussion most, then reviewing and kudos;
# moderation rare, as in a real cohort.
HISTORY_MIX = {
    "post_created": 18, "reply_created": 14, "post_endorsed": 16, "post_unendorsed": 2,
    "top_take_selected": 2, "microtask_completed": 10, "review_submitted": 12, "usefulness_rated": 8,
    "calibration_completed": 4, "squad_milestone_reached": 2, "kudos_given": 8, "post_hidden": 2,
    "post_restored": 1, "post_deleted": 1,
}


@dataclass
class _CohortState:
    people: CohortPeople
    posts: dict[int, dict] = field(default_factory=dict)  # visible posts: id -> payload basics
    hidden: dict[int, dict] = field(default_factory=dict)
    endorsements: set[tuple[int, int]] = field(default_factory=set)  # (post, endorser)
    top_takes: set[int] = field(default_factory=set)
    reviews: list[dict] = field(default_factory=list)
    rated: set[int] = field(default_factory=set)


def points_history(cohorts: list[CohortPeople], *, events: int, start: dt.datetime, days: int,
                   seed: int = 7) -> list[dict]:
    """`events` event rows (dicts for `core.bulk.insert_rows`) spread evenly over `days`
    days from `start`, oldest first, each at its own moment. A few people in every
    cohort do much more than the rest, so daily caps bite; posts are endorsed, hidden,
    restored and deleted after they were written, reviews rated after they were given."""
    rng = random.Random(seed)
    states = [_CohortState(people) for people in cohorts]
    # Zipf-like activity: the first earners of a cohort are the busiest.
    weights = {id(s): [1 / (rank + 1) for rank in range(len(s.people.earners))] for s in states}
    verbs, verb_weights = list(HISTORY_MIX), list(HISTORY_MIX.values())
    step = dt.timedelta(days=days) / max(events, 1)
    counter = iter(range(1, 10**9))
    rows: list[dict] = []

    def earner(state: _CohortState, exclude: int | None = None) -> int:
        while True:
            pk = rng.choices(state.people.earners, weights[id(state)])[0]
            if pk != exclude or len(state.people.earners) == 1:
                return pk

    def post_subject(state: _CohortState, *, visible: bool = True) -> tuple[int, dict] | None:
        pool = state.posts if visible else state.hidden
        if not pool:
            return None
        pk = rng.choice(list(pool)[-200:])  # recent posts draw the reactions
        return pk, pool[pk]

    while len(rows) < events:
        state = rng.choice(states)
        people = state.people
        verb = rng.choices(verbs, verb_weights)[0]
        actor, subject, payload = None, None, None
        if verb in ("post_created", "reply_created"):
            actor = earner(state)
            squad_index = next(i for i, squad in enumerate(people.squads) if actor in squad)
            pk = next(counter)
            parent = post_subject(state) if verb == "reply_created" else None
            if verb == "reply_created" and parent is None:
                continue
            basics = {"post_id": pk, "thread_id": 1000 + squad_index, "squad_id": 500 + squad_index,
                      "author_id": actor, "words": rng.choice([4, 12, 18, 25, 35, 60, 120])}
            state.posts[pk] = basics
            mentioned = ([rng.choice(people.squads[squad_index])] if rng.random() < 0.05 else [])
            subject = ("discussions.post", pk)
            payload = {**basics, "prompt_id": 300, "role": None,
                       "parent_id": parent[0] if parent else None,
                       "mentioned_user_ids": sorted(set(mentioned) - {actor})}
        elif verb == "post_endorsed":
            chosen = post_subject(state)
            if chosen is None:
                continue
            pk, basics = chosen
            actor = rng.choice(people.staff) if rng.random() < 0.1 else earner(state, basics["author_id"])
            if actor == basics["author_id"] or (pk, actor) in state.endorsements:
                continue
            state.endorsements.add((pk, actor))
            subject, payload = ("discussions.post", pk), {**basics, "endorser_id": actor, "text": "Clear."}
        elif verb == "post_unendorsed":
            if not state.endorsements:
                continue
            pk, actor = rng.choice(sorted(state.endorsements))
            if pk not in state.posts:
                continue
            state.endorsements.discard((pk, actor))
            subject, payload = ("discussions.post", pk), {**state.posts[pk], "endorser_id": actor}
        elif verb == "top_take_selected":
            chosen = post_subject(state)
            if chosen is None or chosen[0] in state.top_takes:
                continue
            pk, basics = chosen
            state.top_takes.add(pk)
            actor = rng.choice(people.staff)
            subject = ("discussions.post", pk)
            payload = {**basics, "reason": "Names the trade-off.", "nominations": rng.randint(0, 3)}
        elif verb in ("post_hidden", "post_deleted"):
            chosen = post_subject(state)
            if chosen is None:
                continue
            pk, basics = chosen
            del state.posts[pk]
            if verb == "post_hidden":
                state.hidden[pk] = basics
                actor = rng.choice(people.staff)
            else:
                actor = basics["author_id"]
            subject, payload = ("discussions.post", pk), dict(basics)
        elif verb == "post_restored":
            chosen = post_subject(state, visible=False)
            if chosen is None:
                continue
            pk, basics = chosen
            state.posts[pk] = state.hidden.pop(pk)
            actor = rng.choice(people.staff)
            subject, payload = ("discussions.post", pk), {k: v for k, v in basics.items() if k != "words"}
        elif verb == "microtask_completed":
            actor, pk = earner(state), next(counter)
            subject = ("discussions.microtaskcompletion", pk)
            payload = {"step_id": 40 + pk % 6, "title": "Ask a peer one question", "minutes": 10,
                       "user_id": actor, "comment_words": rng.choice([0, 3, 12])}
        elif verb == "review_submitted":
            actor, pk = earner(state), next(counter)
            is_self = rng.random() < 0.1
            author = actor if is_self else earner(state, actor)
            review = {"review_id": pk, "reviewer_id": actor, "author_id": author, "is_self": is_self}
            if not is_self:
                state.reviews.append(review)
            subject = ("peer_review.review", pk)
            payload = {"assignment_id": 70, "submission_id": 10**6 + pk, **review,
                       "late": rng.random() < 0.2, "comment_words": rng.choice([5, 15, 25, 40, 90])}
        elif verb == "usefulness_rated":
            if not state.reviews:
                continue
            review = rng.choice(state.reviews[-300:])
            first = review["review_id"] not in state.rated
            state.rated.add(review["review_id"])
            actor = review["author_id"]
            subject = ("peer_review.review", review["review_id"])
            payload = {"assignment_id": 70, "review_id": review["review_id"],
                       "reviewer_id": review["reviewer_id"], "author_id": actor,
                       "rating": rng.randint(1, 5), "first_rating": first}
        elif verb == "calibration_completed":
            actor = earner(state)
            subject = ("peer_review.assignment", 70)
            payload = {"assignment_id": 70, "learner_id": actor,
                       "accuracy": round(rng.uniform(0.4, 1.0), 4), "examples": 3}
        elif verb == "squad_milestone_reached":
            # Once per thread, so each milestone is another prompt's; now and then
            # someone who earns nothing in the cohort delivered a role too.
            squad_index, thread = rng.randrange(len(people.squads)), next(counter)
            members = list(people.squads[squad_index])
            if rng.random() < 0.3:
                members.append(rng.choice(people.staff))
            actor = rng.choice(members)
            subject = ("discussions.thread", thread)
            payload = {"thread_id": thread, "prompt_id": 300 + thread, "squad_id": 500 + squad_index,
                       "roles": ["Summariser", "Critic", "Connector"], "member_ids": sorted(members)}
        elif verb == "kudos_given":
            actor, pk = earner(state), next(counter)
            recipient = earner(state, actor)
            subject = ("gamification.kudos", pk)
            payload = {"kudos_id": pk, "recipient_id": recipient, "sender_id": actor,
                       "words": rng.randint(2, 40)}
        rows.append({
            "id": uuid.UUID(int=rng.getrandbits(128), version=4), "organization_id": people.organization_id,
            "cohort_id": people.cohort_id, "actor_id": actor, "verb": verb, "subject_type": subject[0],
            "subject_id": str(subject[1]), "payload": payload, "occurred_at": start + step * len(rows),
        })
    return rows

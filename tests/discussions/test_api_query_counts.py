"""Query counts of the discussions API lists: measured with a little data, then
with ten times the data, the count must not grow (no N+1), and it stays within
the same budgets as the rest of the API: 12 queries for a learner's request, 20
for a facilitator's or an HR admin's."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cohorts.models import CohortRole, StepKind
from core.models import Notification
from discussions import services
from discussions.models import FlagReason, RoleAssignment, Thread

from ..factories import CohortStepFactory, MembershipFactory, SquadFactory

pytestmark = pytest.mark.django_db

LEARNER_BUDGET = 12
STAFF_BUDGET = 20
API = "/api/v1"
WORDS = "word " * 60

_numbers = itertools.count()


def _publish(world):
    prompt = services.prompt_create(actor=world.facilitator, cohort=world.cohort,
                                    title=f"Prompt {next(_numbers)}", body="Why?",
                                    due_at=timezone.now() + dt.timedelta(days=3))
    return prompt, services.prompt_publish(actor=world.facilitator, prompt=prompt)


def _newcomer(world, squad=None):
    return MembershipFactory(cohort=world.cohort, squad=squad or world.squad, role=CohortRole.LEARNER).user


def _alpha_thread(world) -> Thread:
    thread = Thread.objects.filter(prompt__cohort=world.cohort, squad=world.squad).first()
    if thread is None:
        _publish(world)
        thread = Thread.objects.get(prompt__cohort=world.cohort, squad=world.squad)
    return thread


# --- growing the data, one unit at a time --------------------------------------------------


def grow_prompts(world, units: int) -> None:
    """Published prompts (a thread per squad) and drafts, each with its roles."""
    for _ in range(units):
        _publish(world)
        services.prompt_create(actor=world.facilitator, cohort=world.cohort, title="Draft", body="x",
                               due_at=timezone.now(), roles=[
                                   {"name": "one", "deliverable": "x"}, {"name": "two", "deliverable": "y"}])


def grow_threads(world, units: int) -> None:
    """A new squad with members, then a prompt: every squad gets a thread with roles,
    and in some a deliverable is posted."""
    for _ in range(units):
        squad = SquadFactory(cohort=world.cohort)
        for _ in range(3):
            _newcomer(world, squad)
        _, threads = _publish(world)
        for thread in threads:
            holder = RoleAssignment.objects.filter(thread=thread).exclude(role="").first()
            if thread.squad_id == squad.pk and holder is not None:
                services.post_create(actor=holder.user, thread=thread, body=WORDS, as_role=True)


def grow_posts(world, units: int) -> None:
    """Posts by new members with replies, endorsements, a Top Take, an edit, and a
    hidden and a deleted post."""
    thread = _alpha_thread(world)
    for _ in range(units):
        author, other = _newcomer(world), _newcomer(world)
        post = services.post_create(actor=author, thread=thread, body="A first *thought*.")
        reply = services.post_create(actor=other, thread=thread, body="A reply", parent=post)
        services.endorsement_toggle(actor=other, post=post, text="Useful")
        services.endorsement_toggle(actor=world.learner, post=post)
        services.endorsement_toggle(actor=author, post=reply)
        services.post_edit(actor=author, post=post, body="A first *thought*, edited.")
        services.top_take_select(actor=world.facilitator, post=post, reason="Clear")
        hidden = services.post_create(actor=other, thread=thread, body="Off topic")
        services.post_hide(actor=world.facilitator, post=hidden)
        gone = services.post_create(actor=author, thread=thread, body="Oops")
        services.post_delete(actor=author, post=gone)


def grow_flags(world, units: int) -> None:
    """Flags on posts, some resolved, raised by the learner and by others."""
    thread = _alpha_thread(world)
    for _ in range(units):
        author, reporter = _newcomer(world), _newcomer(world)
        post = services.post_create(actor=author, thread=thread, body="Buy my course")
        services.post_flag(actor=world.learner, post=post, reason=FlagReason.SPAM)
        flag = services.post_flag(actor=reporter, post=post, reason=FlagReason.DISRESPECTFUL, note="Rude")
        services.flag_resolve(actor=world.facilitator, flag=flag, outcome="dismissed")


def grow_feed(world, units: int) -> None:
    """Posts, endorsements, micro-tasks done and Top Takes in the cohort feed."""
    thread = _alpha_thread(world)
    for _ in range(units):
        author, other = _newcomer(world), _newcomer(world)
        post = services.post_create(actor=author, thread=thread, body="Feedback lands when kind.")
        services.endorsement_toggle(actor=other, post=post, text="Yes")
        step = CohortStepFactory(cohort=world.cohort, kind=StepKind.MICROTASK)
        services.microtask_complete(actor=other, step=step, comment="Done it")
        services.top_take_select(actor=world.facilitator, post=post, reason="Clear")


def grow_completions(world, units: int) -> None:
    for _ in range(units):
        step = CohortStepFactory(cohort=world.cohort, kind=StepKind.MICROTASK)
        services.microtask_complete(actor=world.learner, step=step, comment="Mine")
        services.microtask_complete(actor=_newcomer(world), step=step, comment="Theirs")


def grow_notifications(world, units: int) -> None:
    for i in range(units):
        for viewer in (world.learner, world.facilitator):
            Notification.objects.create(user=viewer, organization=world.org, kind="mention",
                                        title=f"Someone mentioned you ({i})", url="/threads/1/")


# --- what is measured ------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    name: str
    viewer: str
    url: Callable[..., str]
    grow: Callable[..., None]
    budget: int

    def __str__(self) -> str:
        return self.name


def _at(path: str) -> Callable[..., str]:
    return lambda world: f"{API}/{path}"


CASES = [
    Case("prompts", "facilitator", _at("prompts/"), grow_prompts, STAFF_BUDGET),
    Case("prompts (learner)", "learner", _at("prompts/"), grow_prompts, LEARNER_BUDGET),
    Case("threads", "facilitator", _at("threads/"), grow_threads, STAFF_BUDGET),
    Case("threads (learner)", "learner", _at("threads/"), grow_threads, LEARNER_BUDGET),
    Case("threads by cohort", "hr_admin", lambda w: f"{API}/threads/?cohort={w.cohort.pk}", grow_threads,
         STAFF_BUDGET),
    Case("posts", "facilitator", _at("posts/"), grow_posts, STAFF_BUDGET),
    Case("posts (learner)", "learner", _at("posts/"), grow_posts, LEARNER_BUDGET),
    Case("posts of a thread", "learner", lambda w: f"{API}/posts/?thread={_alpha_thread(w).pk}", grow_posts,
         LEARNER_BUDGET),
    Case("flags", "facilitator", _at("flags/"), grow_flags, STAFF_BUDGET),
    Case("flags (reporter)", "learner", _at("flags/"), grow_flags, LEARNER_BUDGET),
    Case("feed", "learner", _at("feed/"), grow_feed, LEARNER_BUDGET),
    Case("cohort feed", "learner", lambda w: f"{API}/cohorts/{w.cohort.pk}/feed/", grow_feed,
         LEARNER_BUDGET),
    Case("cohort feed (HR admin)", "hr_admin", lambda w: f"{API}/cohorts/{w.cohort.pk}/feed/", grow_feed,
         STAFF_BUDGET),
    Case("microtask completions", "learner", _at("microtask-completions/"), grow_completions,
         LEARNER_BUDGET),
    Case("notifications", "learner", _at("notifications/?unread=true"), grow_notifications,
         LEARNER_BUDGET),
]


def _get(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, {"page_size": 200})
    assert response.status_code == 200, response.content[:500]
    return len(queries), response


@pytest.mark.parametrize("case", CASES, ids=str)
def test_list_queries_do_not_grow_with_the_data(case, world, api_client, record_property):
    # given a little data, and a request already made once (warm per-process caches)
    case.grow(world, 1)
    client = api_client(world.person(case.viewer))
    url = case.url(world)
    client.get(url)
    small, small_response = _get(client, url)
    # when the data grows tenfold
    case.grow(world, 9)
    large, large_response = _get(client, url)
    # then the list shows more but costs no more queries, within the budget
    record_property("queries", f"{small} -> {large}")
    assert large_response.json()["count"] > small_response.json()["count"], case
    assert small <= case.budget, f"{case}: {small} queries, budget {case.budget}"
    assert large <= small, f"{case}: {small} queries with little data, {large} with 10x"


"""The squad milestone: once every role of a prompt is delivered in a squad's thread
(a live post marked with the role, by the member who holds it), the thread says so
and `squad_milestone_reached` is emitted, once per thread ever."""

from __future__ import annotations

import threading
import zoneinfo

import pytest
from django.db import connection
from django.urls import reverse

from core.models import Event
from discussions import services
from discussions.events import DiscussionVerb
from discussions.models import Post, RoleAssignment, Thread

pytestmark = pytest.mark.django_db

WORDS = "word " * 60  # fits every default role's bounds
MILESTONE = DiscussionVerb.SQUAD_MILESTONE_REACHED


@pytest.fixture
def alpha(world, squads, publish):
    """Alpha's thread: the learner, the peer mentor and one more learner hold the three roles."""
    _, threads = publish()
    return threads["Alpha"]


def holders(thread) -> dict[str, object]:
    """{role: the member holding it}, in the prompt's role order."""
    by_role = {a.role: a.user for a in RoleAssignment.objects.filter(thread=thread).select_related("user")}
    return {role.name: by_role[role.name] for role in thread.prompt.roles.all()}


def role_holders(thread) -> list:
    assigned = RoleAssignment.objects.filter(thread=thread).exclude(role="").select_related("user")
    return [a.user for a in assigned]


def deliver(thread, member) -> Post:
    return services.post_create(actor=member, thread=thread, body=WORDS, as_role=True)


def milestones(thread):
    return Event.objects.filter(verb=MILESTONE, subject_type="discussions.thread", subject_id=str(thread.pk))


def test_the_last_role_delivered_emits_the_milestone_once_with_every_member(world, squads, alpha):
    members = list(holders(alpha).values())
    for member in members[:-1]:
        deliver(alpha, member)
    assert not milestones(alpha).exists()
    alpha.refresh_from_db()
    assert alpha.milestone_reached_at is None

    last = deliver(alpha, members[-1])

    event = milestones(alpha).get()
    assert event.actor == last.author and event.cohort == world.cohort
    assert event.payload == {
        "thread_id": alpha.pk, "prompt_id": alpha.prompt_id, "squad_id": squads["alpha"].pk,
        "roles": ["questioner", "summarizer", "challenger"],
        "member_ids": sorted(member.pk for member in members),
    }
    alpha.refresh_from_db()
    assert alpha.milestone_reached_at is not None


def test_free_posts_and_replies_do_not_make_a_milestone(world, alpha):
    members = list(holders(alpha).values())
    for member in members:
        services.post_create(actor=member, thread=alpha, body=WORDS)
    assert not milestones(alpha).exists()


def test_later_posts_and_a_role_posted_again_do_not_repeat_it(world, alpha):
    members = list(holders(alpha).values())
    for member in members:
        deliver(alpha, member)
    alpha.refresh_from_db()
    reached_at = alpha.milestone_reached_at

    first = deliver(alpha, members[0])  # the same role once more
    services.post_create(actor=members[1], thread=alpha, body="Nice summary.", parent=first)
    services.post_create(actor=world.peer_mentor, thread=alpha, body="One more thought.")

    assert milestones(alpha).count() == 1
    alpha.refresh_from_db()
    assert alpha.milestone_reached_at == reached_at


def test_hiding_a_deliverable_and_delivering_again_does_not_repeat_it(world, alpha):
    members = list(holders(alpha).values())
    posts = [deliver(alpha, member) for member in members]
    services.post_hide(actor=world.facilitator, post=posts[0])
    deliver(alpha, members[0])
    services.post_restore(actor=world.facilitator, post=posts[0])
    assert milestones(alpha).count() == 1


def test_a_hidden_deliverable_does_not_count_until_it_is_restored(world, alpha):
    members = list(holders(alpha).values())
    hidden = deliver(alpha, members[0])
    services.post_hide(actor=world.facilitator, post=hidden)
    for member in members[1:]:
        deliver(alpha, member)
    assert not milestones(alpha).exists()

    services.post_restore(actor=world.facilitator, post=hidden)

    event = milestones(alpha).get()
    assert event.actor == members[0]  # the author of the deliverable that completed the set
    assert event.payload["member_ids"] == sorted(member.pk for member in members)


def test_a_deleted_deliverable_does_not_count(world, alpha):
    members = list(holders(alpha).values())
    services.post_delete(actor=members[0], post=deliver(alpha, members[0]))
    for member in members[1:]:
        deliver(alpha, member)
    assert not milestones(alpha).exists()
    deliver(alpha, members[0])
    assert milestones(alpha).count() == 1


def test_a_role_counts_when_its_current_holder_delivers_it(world, alpha):
    """After a facilitator's swap, a paragraph posted for the old role is not the new holder's."""
    roles = holders(alpha)
    questioner, summarizer, challenger = roles["questioner"], roles["summarizer"], roles["challenger"]
    deliver(alpha, questioner)
    services.roles_swap(actor=world.facilitator, thread=alpha, first_user_id=questioner.pk,
                        second_user_id=summarizer.pk)
    deliver(alpha, questioner)  # now the summarizer's paragraph
    deliver(alpha, challenger)
    assert not milestones(alpha).exists()

    deliver(alpha, summarizer)  # now the questioner's paragraph

    assert milestones(alpha).get().payload["member_ids"] == sorted(
        member.pk for member in (questioner, summarizer, challenger))


def test_a_thread_with_an_open_role_never_reaches_it(world, publish):
    """Two members, three roles: one role stays open on this prompt."""
    _, threads = publish()  # world's squad: the learner and the peer mentor only
    thread = threads["Alpha"]
    for member in role_holders(thread):
        deliver(thread, member)
    assert not milestones(thread).exists()


def test_the_thread_page_and_the_api_show_when_the_milestone_was_reached(client, api_client, world, alpha):
    url, api_url = reverse("discussions:thread", args=[alpha.pk]), f"/api/v1/threads/{alpha.pk}/"
    client.force_login(world.learner)
    members = list(holders(alpha).values())
    for member in members[:-1]:
        deliver(alpha, member)
    assert "squad milestone" not in client.get(url).content.decode()
    assert api_client(world.learner).get(api_url).json()["milestone_reached_at"] is None

    deliver(alpha, members[-1])

    page = client.get(url).content.decode()
    reached_at = Thread.objects.get(pk=alpha.pk).milestone_reached_at
    local = reached_at.astimezone(zoneinfo.ZoneInfo(world.learner.timezone or "UTC"))  # the reader's day
    assert "Every role delivered</strong> — squad milestone" in page
    assert f"reached on {local:%a} {local.day} {local:%b}." in page
    assert api_client(world.learner).get(api_url).json()["milestone_reached_at"] is not None


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="SQLite serialises writers; concurrent final posts matter on PostgreSQL")
def test_two_last_roles_delivered_at_once_reach_the_milestone_exactly_once(world, squads, publish):
    _, threads = publish()
    thread = threads["Alpha"]
    first, *last_two = holders(thread).values()
    deliver(thread, first)
    barrier = threading.Barrier(len(last_two))

    def post(member):
        try:
            barrier.wait(timeout=10)
            deliver(Thread.objects.get(pk=thread.pk), member)
        finally:
            connection.close()  # this thread's own connection

    workers = [threading.Thread(target=post, args=(member,)) for member in last_two]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)

    assert Post.objects.filter(thread=thread).exclude(role="").count() == 3
    assert milestones(thread).count() == 1

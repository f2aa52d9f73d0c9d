"""The moderation queue and messaging a post's author over the API: the queue
holds what the portal's moderation page holds, in the same order and for the same
people; writing to an author notifies them and is audited; refusals have the one
error shape."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from cohorts.models import CohortMembership
from core import policy
from core.models import AuditEntry, Event, Notification
from discussions import services
from discussions.models import Flag, FlagReason, Post, Prompt, Thread
from discussions.moderation_queue import Reason, queue_for
from discussions.services.moderation import MESSAGE_MAX_LENGTH
from tests.cohorts.test_api import assert_error, results
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

API = "/api/v1"
QUEUE = f"{API}/moderation-queue/"
QUEUE_BUDGET = 20  # as the portal's queue page (tests/discussions/test_facilitator_views.py)
HOUR, DAY = dt.timedelta(hours=1), dt.timedelta(days=1)


def open_prompt(world, title: str = "Feedback", *, due_in: dt.timedelta = 3 * DAY,
                published_ago: dt.timedelta = DAY, cohort=None) -> dict[str | None, Thread]:
    """A published prompt, threads by squad name (None: a cohort without squads)."""
    cohort = cohort or world.cohort
    actor = world.facilitator if cohort == world.cohort else world.hr_admin
    now = timezone.now()
    prompt = services.prompt_create(actor=actor, cohort=cohort, title=title, body="Discuss.",
                                    due_at=now + due_in)
    threads = services.prompt_publish(actor=actor, prompt=prompt)
    Prompt.objects.filter(pk=prompt.pk).update(published_at=now - published_ago, due_at=now + due_in)
    return {t.squad.name if t.squad else None: t for t in threads}


def post(thread, author, body: str, *, ago: dt.timedelta = HOUR) -> Post:
    """A post written `ago` ago (made directly: a question must have waited 48 hours)."""
    return Post.objects.create(thread=thread, author=author, body=body, body_html=f"<p>{body}</p>",
                               word_count=len(body.split()), created_at=timezone.now() - ago)


def flag(target: Post, reporter, reason: str = FlagReason.SPAM) -> Flag:
    return services.post_flag(actor=reporter, post=target, reason=reason)


def fresh(user):
    policy.forget_roles(user)
    return user


def keys(response) -> list[str]:
    return [item["key"] for item in results(response)]


@pytest.fixture
def trouble(world, squads):
    """In Alpha's thread, the peer mentor's post flagged as disrespectful and as off topic;
    in Beta's, a learner's question nobody has answered for three days."""
    threads = open_prompt(world, published_ago=4 * DAY)
    rude = post(threads["Alpha"], world.peer_mentor, "That is a stupid idea.")
    disrespectful = flag(rude, world.learner, FlagReason.DISRESPECTFUL)
    off_topic = flag(rude, squads["alpha_extra"], FlagReason.OFF_TOPIC)
    asker = squads["beta_members"][0]
    question = post(threads["Beta"], asker, "How do you ask for feedback without sounding needy?",
                    ago=3 * DAY)
    return {"threads": threads, "rude": rude, "flags": [disrespectful, off_topic], "question": question,
            "asker": asker}


# --- the queue ---------------------------------------------------------------------------------


def test_a_facilitator_gets_the_items_of_the_portal_queue_in_its_order_with_their_reasons(
        world, trouble, api_client, client):
    # Given a flagged post and an unanswered question in the facilitator's cohort
    rude, question, threads = trouble["rude"], trouble["question"], trouble["threads"]

    # When the facilitator asks for their queue
    response = api_client(world.facilitator).get(QUEUE)

    # Then the flagged post (40 + 2 x 10 + 30 for a high-risk flag) comes before the question (30 + 2)
    items = results(response)
    assert response.json()["count"] == 2
    assert [(item["reason"], item["score"]) for item in items] == [
        (Reason.FLAGGED_POST, 90), (Reason.UNANSWERED_QUESTION, 32)]
    flagged, unanswered = items
    assert flagged == {
        "id": f"flagged_post-post-{rude.pk}", "key": f"flagged_post-post-{rude.pk}",
        "reason": "flagged_post", "label": "Flagged post",
        "text": "Flagged 2 times: Disrespectful or harassing, Off topic.", "score": 90,
        "since": flagged["since"], "cohort": world.cohort.pk, "thread": threads["Alpha"].pk,
        "squad": world.squad.pk, "post": rude.pk, "flags": flagged["flags"], "full_access": True, "url": "",
    }
    assert [(f["id"], f["reason"], f["low_risk"], f["outcome"]) for f in flagged["flags"]] == [
        (trouble["flags"][0].pk, "disrespectful", False, ""), (trouble["flags"][1].pk, "off_topic", True, "")]
    assert dt.datetime.fromisoformat(flagged["since"]) == trouble["flags"][0].created_at
    assert unanswered["key"] == f"unanswered_question-post-{question.pk}"
    assert unanswered["label"] == "Unanswered question"
    assert unanswered["text"] == (f"A question from {trouble['asker'].display_name} has had no answer "
                                  "for 3 days.")
    assert (unanswered["thread"], unanswered["squad"], unanswered["post"], unanswered["flags"]) == (
        threads["Beta"].pk, threads["Beta"].squad_id, question.pk, [])
    assert dt.datetime.fromisoformat(unanswered["since"]) == question.created_at

    # and the portal's moderation page lists the same items in the same order
    client.force_login(world.facilitator)
    page = client.get(reverse("discussions:moderation")).context["page"]
    assert [item.key for item in page.object_list] == [item["key"] for item in items]
    assert [item.key for item in queue_for(fresh(world.facilitator))] == [item["key"] for item in items]


def test_every_kind_of_item_appears_with_the_thread_it_concerns(world, squads, api_client):
    # Given deliverables due in five hours in a prompt nobody has posted in for a week
    threads = open_prompt(world, "Due soon", due_in=5 * HOUR, published_ago=8 * DAY)

    items = results(api_client(world.facilitator).get(QUEUE))

    # Then each squad's thread is there for its missing deliverables, and each silent squad
    by_reason = {(item["reason"], item["squad"]): item for item in items}
    for name in ("Alpha", "Beta"):
        missing = by_reason[(Reason.MISSING_DELIVERABLES, threads[name].squad_id)]
        assert (missing["thread"], missing["post"], missing["score"]) == (threads[name].pk, None, 40)
        assert missing["text"].startswith("3 role deliverables missing, due in ")
        silent = by_reason[(Reason.SILENT_SQUAD, threads[name].squad_id)]
        assert silent["key"] == f"silent_squad-squad-{threads[name].squad_id}"
        assert silent["label"] == "Silent squad" and silent["full_access"] is True
    assert len(items) == 4


def test_the_queue_is_paginated_in_its_ranked_order(world, trouble, api_client):
    client = api_client(world.facilitator)
    everything = keys(client.get(QUEUE))

    first = client.get(QUEUE, {"page_size": 1})
    second = client.get(first.json()["next"])

    assert first.json()["count"] == 2 and first.json()["previous"] is None
    assert keys(first) + keys(second) == everything
    assert second.json()["next"] is None
    assert_error(client.get(QUEUE, {"page": 3}), 404)


def test_an_hr_admin_sees_every_cohort_of_the_organisation(world, trouble, api_client):
    writer = MembershipFactory(cohort=world.other_cohort, role="learner").user
    reporter = MembershipFactory(cohort=world.other_cohort, role="learner").user
    elsewhere = post(open_prompt(world, "Elsewhere", cohort=world.other_cohort)[None], writer, "Buy now.")
    flag(elsewhere, reporter)

    hr_items = results(api_client(world.hr_admin).get(QUEUE))
    facilitator_items = results(api_client(world.facilitator).get(QUEUE))

    assert {item["cohort"] for item in hr_items} == {world.cohort.pk, world.other_cohort.pk}
    assert f"flagged_post-post-{elsewhere.pk}" in {item["key"] for item in hr_items}
    assert {item["cohort"] for item in facilitator_items} == {world.cohort.pk}


def test_a_learner_moderator_gets_only_the_low_risk_flags_of_their_cohort(world, trouble, squads,
                                                                          api_client):
    # Given the peer mentor is this week's moderator, and a spam flag on a Beta member's post
    mentor = CohortMembership.objects.get(cohort=world.cohort, user=world.peer_mentor)
    services.moderator_set(actor=world.facilitator, membership=mentor)
    spam = post(trouble["threads"]["Beta"], squads["beta_members"][1], "Buy my course.")
    spam_flag = flag(spam, squads["beta_members"][2], FlagReason.SPAM)

    # When the moderator asks for their queue
    items = results(api_client(world.peer_mentor).get(QUEUE))

    # Then they get the posts with low-risk flags and only those flags; no question, no harassment
    # flag (both score 50: the one flagged first comes first)
    assert [(item["reason"], item["post"], item["score"]) for item in items] == [
        (Reason.FLAGGED_POST, trouble["rude"].pk, 50), (Reason.FLAGGED_POST, spam.pk, 50)]
    assert [[f["id"] for f in item["flags"]] for item in items] == [[trouble["flags"][1].pk],
                                                                    [spam_flag.pk]]
    assert not any(item["full_access"] for item in items)
    assert [item["key"] for item in items] == [item.key for item in queue_for(fresh(world.peer_mentor))]


@pytest.mark.parametrize("role", ["learner", "expert", "analyst", "outsider"])
def test_people_who_do_not_moderate_get_an_empty_queue(world, trouble, api_client, role):
    # The portal's page refuses them (moderation.queue); a list answers with nothing.
    user = world.person(role)
    assert not policy.allows(fresh(user), "moderation.queue")

    response = api_client(user).get(QUEUE)

    assert results(response) == [] and response.json()["count"] == 0


def test_the_queue_needs_a_signed_in_person(world, trouble, api_client):
    assert_error(api_client().get(QUEUE), 401)


def test_another_organisations_facilitator_sees_nothing_of_ours(world, trouble, other_world, api_client):
    # Given trouble in the other organisation too
    theirs = open_prompt(other_world)["Alpha"]
    their_post = post(theirs, other_world.learner, "Buy now.")
    flag(their_post, other_world.peer_mentor)

    # When each side's facilitator and HR admin asks for their queue
    for viewer, cohort in ((other_world.facilitator, other_world.cohort),
                           (other_world.hr_admin, other_world.cohort),
                           (world.facilitator, world.cohort), (world.hr_admin, world.cohort)):
        items = results(api_client(viewer).get(QUEUE))
        # Then they see their own organisation's items only
        assert items, viewer
        assert {item["cohort"] for item in items} == {cohort.pk}, viewer
    assert keys(api_client(other_world.facilitator).get(QUEUE)) == [f"flagged_post-post-{their_post.pk}"]


def test_after_an_action_the_item_leaves_the_queue(world, trouble, api_client):
    # Given the flagged post at the top of the facilitator's queue
    client = api_client(world.facilitator)
    rude = trouble["rude"]

    # When they resolve its flags over the API (upheld hides the post)
    for each in trouble["flags"]:
        assert client.post(f"{API}/flags/{each.pk}/resolve/", {"outcome": "upheld"},
                           format="json").status_code == 200

    # Then only the question is left
    assert keys(client.get(QUEUE)) == [f"unanswered_question-post-{trouble['question'].pk}"]
    assert Post.objects.get(pk=rude.pk).hidden_at is not None


# --- query counts ------------------------------------------------------------------------------


def grow_queue(world, squads, items: int) -> None:
    """About `items` items: flagged posts (half of them high-risk) and unanswered questions in
    the threads of a prompt due in five hours, whose deliverables are all missing."""
    reporters = [MembershipFactory(cohort=world.cohort, role="learner").user for _ in range(2)]
    threads = list(open_prompt(world, f"Grow {items}", due_in=5 * HOUR, published_ago=4 * DAY).values())
    authors = [world.learner, world.peer_mentor, squads["alpha_extra"], *squads["beta_members"]]
    old = timezone.now() - 3 * DAY
    posts = Post.objects.bulk_create(
        Post(thread=threads[n % len(threads)], author=authors[n % len(authors)],
             body=f"Post {n}: is this the right question?", body_html=f"<p>Post {n}?</p>", word_count=6,
             created_at=old + dt.timedelta(seconds=n))
        for n in range(items))
    Flag.objects.bulk_create(Flag(post=each, reporter=reporters[n % 2],
                                  reason=[FlagReason.SPAM, FlagReason.DISRESPECTFUL][n % 2])
                             for n, each in enumerate(posts[: items // 2]))


@pytest.mark.parametrize("viewer", ["facilitator", "hr_admin"])
def test_the_queue_costs_the_same_queries_with_10_and_200_items(world, squads, api_client, viewer,
                                                                 django_assert_max_num_queries):
    client = api_client(world.person(viewer))
    grow_queue(world, squads, 8)
    client.get(QUEUE)  # warm per-process caches
    with django_assert_max_num_queries(QUEUE_BUDGET) as small:
        small_response = client.get(QUEUE, {"page_size": 200})
    assert 10 <= small_response.json()["count"] < 20

    grow_queue(world, squads, 190)
    with django_assert_max_num_queries(len(small)) as large:
        large_response = client.get(QUEUE, {"page_size": 200})

    assert large_response.json()["count"] >= 200
    assert len(results(large_response)) == 200
    assert len(large) <= len(small)


# --- writing to a post's author ----------------------------------------------------------------


def message_url(target: Post) -> str:
    return f"{API}/posts/{target.pk}/message-author/"


def test_a_facilitator_writes_to_an_author_who_is_notified_and_the_message_is_audited(
        world, trouble, api_client):
    # Given the flagged post of the peer mentor
    rude = trouble["rude"]

    # When the facilitator writes to its author
    response = api_client(world.facilitator).post(
        message_url(rude), {"text": "  Please keep it kind; disagree with the idea, not the person.  "},
        format="json")

    # Then the author has a notification that links to the post, and the API answers with it
    assert response.status_code == 201, response.content
    note = Notification.objects.get(user=world.peer_mentor, kind="facilitator_message")
    body = response.json()
    assert body == {"id": note.pk, "recipient": world.peer_mentor.pk, "title": note.title,
                    "body": "Please keep it kind; disagree with the idea, not the person.", "url": note.url,
                    "created_at": body["created_at"]}
    assert dt.datetime.fromisoformat(body["created_at"]) == note.created_at
    assert note.title == f"{world.facilitator.display_name} wrote to you about your post"
    assert note.url == f"{reverse('discussions:thread', args=[rude.thread_id])}#post-{rude.pk}"
    assert note.source_event.verb == "author_messaged"
    # and the message is in the audit log
    entry = AuditEntry.objects.get(action="post.message_author")
    assert (entry.actor, entry.target_type, entry.target_id) == (world.facilitator, "discussions.post",
                                                                 str(rude.pk))
    assert entry.changes == {"message": [None, note.body]}
    # and the author reads it over the API
    mine = results(api_client(world.peer_mentor).get(f"{API}/notifications/",
                                                     {"kind": "facilitator_message"}))
    assert [n["id"] for n in mine] == [note.pk]


def test_an_hr_admin_writes_to_the_author_of_a_hidden_post(world, trouble, api_client):
    rude = services.post_hide(actor=world.facilitator, post=trouble["rude"])

    response = api_client(world.hr_admin).post(message_url(rude), {"text": "I hid this; here is why."},
                                               format="json")

    assert response.status_code == 201, response.content
    assert Notification.objects.filter(user=world.peer_mentor, body="I hid this; here is why.").exists()


@pytest.mark.parametrize(("data", "field"), [
    ({"text": ""}, "text"),
    ({"text": "   \n "}, "text"),
    ({"text": "x" * (MESSAGE_MAX_LENGTH + 1)}, "text"),
    ({}, "text"),
    ({"text": None}, "text"),
])
def test_an_empty_or_too_long_message_is_refused_with_a_field_message(world, trouble, api_client, data,
                                                                      field):
    events = Event.objects.count()

    response = api_client(world.facilitator).post(message_url(trouble["rude"]), data, format="json")

    assert_error(response, 400, field)
    assert not Notification.objects.filter(kind="facilitator_message").exists()
    assert not AuditEntry.objects.filter(action="post.message_author").exists()
    assert Event.objects.count() == events


def test_the_longest_message_is_accepted_and_the_next_says_how_long_it_is(world, trouble, api_client):
    client = api_client(world.facilitator)

    fits = client.post(message_url(trouble["rude"]), {"text": "x" * MESSAGE_MAX_LENGTH}, format="json")
    too_long = client.post(message_url(trouble["rude"]), {"text": "x" * (MESSAGE_MAX_LENGTH + 1)},
                           format="json")

    assert fits.status_code == 201, fits.content
    body = assert_error(too_long, 400, "text")
    assert body["errors"]["text"] == [f"Keep the message to {MESSAGE_MAX_LENGTH} characters (it has "
                                      f"{MESSAGE_MAX_LENGTH + 1})."]


def test_a_facilitator_does_not_message_themselves(world, trouble, api_client):
    own = post(trouble["threads"]["Alpha"], world.facilitator, "Remember the deadline.")

    response = api_client(world.facilitator).post(message_url(own), {"text": "Note to self"}, format="json")

    assert_error(response, 400, "post")
    assert not Notification.objects.filter(kind="facilitator_message").exists()


@pytest.mark.parametrize(("role", "status"), [
    ("learner", 403), ("peer_mentor", 403), ("expert", 403), ("analyst", 403), ("outsider", 404)])
def test_people_who_do_not_run_the_cohort_may_not_message_authors(world, trouble, api_client, role,
                                                                  status):
    # Even invalid input is refused for who they are, not for what they typed.
    for data in ({"text": "Stop it."}, {"text": ""}):
        response = api_client(world.person(role)).post(message_url(trouble["rude"]), data, format="json")
        assert_error(response, status)
    assert not Notification.objects.filter(kind="facilitator_message").exists()
    assert not AuditEntry.objects.filter(action="post.message_author").exists()


def test_a_learner_moderator_may_not_message_authors(world, trouble, api_client):
    mentor = CohortMembership.objects.get(cohort=world.cohort, user=world.peer_mentor)
    services.moderator_set(actor=world.facilitator, membership=mentor)

    response = api_client(world.peer_mentor).post(message_url(trouble["question"]), {"text": "Hi"},
                                                  format="json")

    assert_error(response, 403)


def test_another_organisations_post_or_a_deleted_one_is_404(world, trouble, other_world, api_client):
    theirs = post(open_prompt(other_world)["Alpha"], other_world.learner, "Buy now.")
    gone = post(trouble["threads"]["Alpha"], world.learner, "Oops.")
    services.post_delete(actor=world.learner, post=gone)

    assert_error(api_client(world.facilitator).post(message_url(theirs), {"text": "Hi"}, format="json"), 404)
    assert_error(api_client(other_world.facilitator).post(message_url(trouble["rude"]), {"text": "Hi"},
                                                          format="json"), 404)
    assert_error(api_client(world.facilitator).post(message_url(gone), {"text": "Hi"}, format="json"), 404)
    assert not Notification.objects.filter(kind="facilitator_message").exists()


def test_message_author_takes_post_only(world, trouble, api_client):
    response = api_client(world.facilitator).get(message_url(trouble["rude"]))
    assert_error(response, 405)

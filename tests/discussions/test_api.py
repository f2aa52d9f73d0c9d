"""The discussions REST API as an integration or a script notices it: prompts and
their roles, squad threads, posts and what people do with them, flags, the feed,
micro-tasks and notifications. Every refusal has the one error shape."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from cohorts.models import CohortMembership, StepKind
from core import policy
from core.models import AuditEntry, Event, Notification
from discussions import services
from discussions.models import FeedItem, Flag, FlagReason, Post, PostVersion, Prompt, RoleAssignment
from tests.cohorts.test_api import assert_error, results
from tests.factories import CohortStepFactory

pytestmark = pytest.mark.django_db

API = "/api/v1"
WORDS = "word " * 60  # fits every default role's bounds


def due() -> str:
    return (timezone.now() + dt.timedelta(days=3)).isoformat()


def prompt_payload(world, **extra) -> dict:
    return {"cohort": world.cohort.pk, "title": "What makes feedback land?",
            "body": "Share one piece of feedback that changed how you work.", "due_at": due(), **extra}


@pytest.fixture
def alpha(world, squads, publish):
    """A published prompt; Alpha's thread, where the learner and the peer mentor hold roles."""
    _, threads = publish()
    return threads["Alpha"]


@pytest.fixture
def mentor_post(world, alpha):
    return services.post_create(actor=world.peer_mentor, thread=alpha, body="Specific **and** kind.")


def role_of(thread, user) -> str:
    return RoleAssignment.objects.get(thread=thread, user=user).role


# --- prompts ------------------------------------------------------------------------------


def test_a_facilitator_creates_a_prompt_with_the_default_roles_and_publishes_it(world, squads,
                                                                                api_client):
    # given a facilitator of a cohort with two squads
    facilitator = api_client(world.facilitator)

    # when they create a prompt without roles
    created = facilitator.post(f"{API}/prompts/", prompt_payload(world, minutes=15), format="json")

    # then it is a draft with the default three roles, which learners cannot see yet
    assert created.status_code == 201, created.content
    prompt = created.json()
    assert prompt["state"] == "draft" and prompt["minutes"] == 15 and prompt["thread_ids"] == []
    assert [r["name"] for r in prompt["roles"]] == ["questioner", "summarizer", "challenger"]
    assert prompt["roles"][1] == {"name": "summarizer", "min_words": 40, "max_words": 200, "order": 1,
                                  "deliverable": services.DEFAULT_ROLES[1]["deliverable"]}
    learner = api_client(world.learner)
    assert_error(learner.get(f"{API}/prompts/{prompt['id']}/"), 404)
    assert results(learner.get(f"{API}/prompts/")) == []

    # when they publish it
    published = facilitator.post(f"{API}/prompts/{prompt['id']}/publish/")

    # then each squad has a thread, roles are assigned, and learners see it
    assert published.status_code == 200, published.content
    assert published.json()["state"] == "published" and len(published.json()["thread_ids"]) == 2
    assert [p["id"] for p in results(learner.get(f"{API}/prompts/"))] == [prompt["id"]]
    assert Event.objects.filter(verb="prompt_published", subject_id=str(prompt["id"])).count() == 1
    assert RoleAssignment.objects.filter(user=world.learner).exclude(role="").count() == 1


def test_a_prompt_takes_its_own_roles(world, api_client):
    roles = [{"name": "Storyteller", "deliverable": "Tell the story of one conversation.",
              "min_words": 50, "max_words": 150},
             {"name": "skeptic", "deliverable": "Doubt one claim."}]
    response = api_client(world.facilitator).post(f"{API}/prompts/", prompt_payload(world, roles=roles),
                                                  format="json")
    assert response.status_code == 201, response.content
    assert [(r["name"], r["min_words"], r["max_words"]) for r in response.json()["roles"]] == [
        ("storyteller", 50, 150), ("skeptic", 40, 200)]


@pytest.mark.parametrize(("roles", "field", "words"), [
    ([{"name": "a", "deliverable": "d", "min_words": 80, "max_words": 20}], "roles.0.max_words",
     "at least the minimum"),
    ([{"name": "a", "deliverable": "d"}, {"name": "A", "deliverable": "e"}], "roles", "no other role"),
    ([], "roles", "at least one role"),
    ([{"name": "a"}], "roles.0.deliverable", "required"),
])
def test_role_rules_are_refused_with_a_field_message(world, api_client, roles, field, words):
    response = api_client(world.facilitator).post(f"{API}/prompts/", prompt_payload(world, roles=roles),
                                                  format="json")
    body = assert_error(response, 400, field)
    assert words in body["errors"][field][0]
    assert not Prompt.objects.exists()


def test_a_prompt_for_another_cohorts_step_is_refused(world, api_client):
    step = CohortStepFactory(cohort=world.other_cohort)
    mine = CohortStepFactory(cohort=world.cohort)
    client = api_client(world.hr_admin)
    assert_error(client.post(f"{API}/prompts/", prompt_payload(world, step=step.pk), format="json"),
                 400, "step")
    created = client.post(f"{API}/prompts/", prompt_payload(world, step=mine.pk), format="json")
    assert created.status_code == 201 and created.json()["step"] == mine.pk


def test_learners_may_neither_create_nor_publish_prompts(world, alpha, api_client):
    learner = api_client(world.learner)
    assert_error(learner.post(f"{API}/prompts/", prompt_payload(world), format="json"), 403)
    assert_error(learner.post(f"{API}/prompts/{alpha.prompt_id}/publish/"), 403)


def test_a_prompt_is_published_once(world, alpha, api_client):
    response = api_client(world.facilitator).post(f"{API}/prompts/{alpha.prompt_id}/publish/")
    assert "already published" in assert_error(response, 400, "state")["errors"]["state"][0]


def test_prompts_filter_by_cohort_and_state(world, squads, publish, api_client):
    publish(title="Out")
    draft = services.prompt_create(actor=world.facilitator, cohort=world.cohort, title="Draft", body="x",
                                   due_at=timezone.now())
    client = api_client(world.facilitator)
    assert [p["id"] for p in results(client.get(f"{API}/prompts/", {"state": "draft"}))] == [draft.pk]
    listed = results(client.get(f"{API}/prompts/", {"cohort": world.cohort.pk, "ordering": "title"}))
    assert [p["title"] for p in listed] == ["Draft", "Out"]
    assert_error(client.get(f"{API}/prompts/", {"cohort": world.other_cohort.pk}), 400, "cohort")


# --- threads ------------------------------------------------------------------------------


def test_a_thread_shows_who_holds_which_role_and_which_deliverables_are_done(world, alpha, api_client):
    # given the learner posted their role deliverable
    services.post_create(actor=world.learner, thread=alpha, body=WORDS, as_role=True)
    role = role_of(alpha, world.learner)

    # when the peer mentor reads the thread
    thread = api_client(world.peer_mentor).get(f"{API}/threads/{alpha.pk}/").json()

    # then the learner's deliverable is done and the others are not
    assert thread["squad_name"] == "Alpha" and thread["cohort"] == world.cohort.pk
    assert thread["delivered_roles"] == [role] and thread["locked"] is False
    by_user = {a["user"]: a for a in thread["assignments"]}
    assert by_user[world.learner.pk] == {"user": world.learner.pk, "user_name": "Learner", "role": role,
                                         "swapped": False, "delivered": True}
    assert by_user[world.peer_mentor.pk]["delivered"] is False


def test_threads_filter_by_prompt_squad_and_cohort(world, squads, publish, api_client):
    prompt, threads = publish()
    client = api_client(world.learner)
    every = {t["id"] for t in results(client.get(f"{API}/threads/"))}
    assert every == {threads["Alpha"].pk, threads["Beta"].pk}
    by_squad = results(client.get(f"{API}/threads/", {"squad": squads["beta"].pk}))
    assert [t["id"] for t in by_squad] == [threads["Beta"].pk]
    assert len(results(client.get(f"{API}/threads/", {"prompt": prompt.pk}))) == 2
    assert len(results(client.get(f"{API}/threads/", {"cohort": world.cohort.pk}))) == 2
    assert_error(client.get(f"{API}/threads/", {"cohort": world.other_cohort.pk}), 400, "cohort")


def test_a_locked_thread_refuses_posts_with_a_field_message(world, alpha, api_client):
    # given a facilitator locked the thread
    locked = api_client(world.facilitator).post(f"{API}/threads/{alpha.pk}/lock/")
    assert locked.status_code == 200 and locked.json()["locked"] is True
    assert locked.json()["locked_by"] == world.facilitator.pk

    # when the learner posts there
    response = api_client(world.learner).post(f"{API}/posts/", {"thread": alpha.pk, "body": "Hello?"},
                                              format="json")

    # then the post is refused and says why
    assert "locked" in assert_error(response, 400, "body")["errors"]["body"][0]
    assert AuditEntry.objects.filter(action="thread.lock").count() == 1
    unlocked = api_client(world.facilitator).post(f"{API}/threads/{alpha.pk}/unlock/")
    assert unlocked.json()["locked"] is False


def test_learners_may_not_lock_threads_or_swap_roles(world, alpha, api_client):
    learner = api_client(world.learner)
    assert_error(learner.post(f"{API}/threads/{alpha.pk}/lock/"), 403)
    assert_error(learner.post(f"{API}/threads/{alpha.pk}/unlock/"), 403)
    swap = learner.post(f"{API}/threads/{alpha.pk}/swap-roles/",
                        {"users": [world.learner.pk, world.peer_mentor.pk]}, format="json")
    assert_error(swap, 403)
    assert not AuditEntry.objects.filter(action__in=["thread.lock", "roles.swap"]).exists()


def test_a_facilitator_swaps_two_members_roles(world, alpha, api_client):
    before = (role_of(alpha, world.learner), role_of(alpha, world.peer_mentor))
    client = api_client(world.facilitator)
    response = client.post(f"{API}/threads/{alpha.pk}/swap-roles/",
                           {"users": [world.learner.pk, world.peer_mentor.pk]}, format="json")
    assert response.status_code == 200, response.content
    assert (role_of(alpha, world.learner), role_of(alpha, world.peer_mentor)) == before[::-1]
    assert all(a["swapped"] for a in response.json()["assignments"]
               if a["user"] in (world.learner.pk, world.peer_mentor.pk))
    # the facilitator holds no role in the thread, and one member is not two
    outside = client.post(f"{API}/threads/{alpha.pk}/swap-roles/",
                          {"users": [world.learner.pk, world.facilitator.pk]}, format="json")
    assert "two different members" in assert_error(outside, 400, "users")["errors"]["users"][0]
    same = client.post(f"{API}/threads/{alpha.pk}/swap-roles/",
                       {"users": [world.learner.pk, world.learner.pk]}, format="json")
    assert_error(same, 400, "users")


# --- posts --------------------------------------------------------------------------------


def test_a_learner_posts_a_reply_and_their_role_deliverable(world, alpha, mentor_post, api_client):
    client = api_client(world.learner)

    reply = client.post(f"{API}/posts/", {"thread": alpha.pk, "parent": mentor_post.pk,
                                          "body": "Agreed, *specific* first."}, format="json")
    assert reply.status_code == 201, reply.content
    assert reply.json()["parent"] == mentor_post.pk and reply.json()["role"] == ""
    assert "<em>specific</em>" in reply.json()["body_html"]

    deliverable = client.post(f"{API}/posts/", {"thread": alpha.pk, "body": WORDS, "as_role": True},
                              format="json")
    assert deliverable.status_code == 201, deliverable.content
    body = deliverable.json()
    assert body["role"] == role_of(alpha, world.learner) and body["word_count"] == 60
    assert (body["edited"], body["hidden"], body["endorsement_count"], body["versions"]) == (
        False, False, 0, [])
    assert Event.objects.filter(verb="reply_created").count() == 1


def test_a_too_short_role_deliverable_is_refused_with_the_roles_bounds(world, alpha, api_client):
    role = role_of(alpha, world.learner)
    response = api_client(world.learner).post(f"{API}/posts/", {
        "thread": alpha.pk, "body": "Too short.", "as_role": True}, format="json")
    message = assert_error(response, 400, "body")["errors"]["body"][0]
    assert message.startswith(f"Your {role} paragraph needs at least") and "(it has 2)" in message
    assert not Post.objects.exists()


def test_someone_without_a_role_cannot_post_a_deliverable(world, alpha, api_client):
    response = api_client(world.facilitator).post(f"{API}/posts/", {
        "thread": alpha.pk, "body": WORDS, "as_role": True}, format="json")
    assert "no role" in assert_error(response, 400, "body")["errors"]["body"][0]


def test_posting_is_rate_limited_with_a_clear_message(world, alpha, api_client):
    client = api_client(world.learner)
    for n in range(services.POST_RATE_LIMIT):
        created = client.post(f"{API}/posts/", {"thread": alpha.pk, "body": f"Thought {n}"}, format="json")
        assert created.status_code == 201
    response = client.post(f"{API}/posts/", {"thread": alpha.pk, "body": "One more"}, format="json")
    message = assert_error(response, 400, "body")["errors"]["body"][0]
    assert f"You have posted {services.POST_RATE_LIMIT} times in 10 minutes" in message
    assert "take a breath" in message


def test_another_squads_member_may_read_but_not_post(world, squads, alpha, mentor_post, api_client):
    beta_member = api_client(squads["beta_members"][0])
    assert beta_member.get(f"{API}/posts/{mentor_post.pk}/").status_code == 200
    response = beta_member.post(f"{API}/posts/", {"thread": alpha.pk, "body": "Hi"}, format="json")
    assert_error(response, 403)


def test_the_author_edits_and_the_previous_text_is_kept(world, alpha, mentor_post, api_client):
    # given another member tries first
    url = f"{API}/posts/{mentor_post.pk}/"
    assert_error(api_client(world.learner).patch(url, {"body": "Mine now"}, format="json"), 403)

    # when the author edits
    response = api_client(world.peer_mentor).patch(url, {"body": "Specific, kind and *timely*."},
                                                   format="json")

    # then the post is marked edited and keeps its earlier text
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["edited"] is True and "<em>timely</em>" in body["body_html"]
    assert [v["body"] for v in body["versions"]] == ["Specific **and** kind."]
    assert body["versions"][0]["edited_by"] == world.peer_mentor.pk
    assert_error(api_client(world.peer_mentor).patch(url, {"body": "  "}, format="json"), 400, "body")
    assert PostVersion.objects.count() == 1


def test_editing_in_a_locked_thread_is_refused(world, alpha, mentor_post, api_client):
    services.thread_lock(actor=world.facilitator, thread=alpha)
    response = api_client(world.peer_mentor).patch(f"{API}/posts/{mentor_post.pk}/", {"body": "Later"},
                                                   format="json")
    assert "locked" in assert_error(response, 400, "body")["errors"]["body"][0]


def test_the_author_deletes_their_post_softly(world, alpha, mentor_post, api_client):
    url = f"{API}/posts/{mentor_post.pk}/"
    assert_error(api_client(world.facilitator).delete(url), 403)
    author = api_client(world.peer_mentor)
    assert author.delete(url).status_code == 204
    assert_error(author.get(url), 404)
    assert results(author.get(f"{API}/posts/")) == []
    mentor_post.refresh_from_db()
    assert mentor_post.deleted_at is not None
    assert AuditEntry.objects.filter(action="post.delete", actor=world.peer_mentor).count() == 1


def test_endorsing_toggles_with_an_optional_line(world, alpha, mentor_post, api_client):
    client = api_client(world.learner)
    url = f"{API}/posts/{mentor_post.pk}/endorse/"
    first = client.post(url, {"text": "Crisp and true"}, format="json")
    assert first.json() == {"endorsed": True, "text": "Crisp and true", "endorsement_count": 1}
    listed = results(client.get(f"{API}/posts/", {"thread": alpha.pk}))
    assert (listed[0]["endorsement_count"], listed[0]["endorsed_by_me"]) == (1, True)
    assert client.post(url, format="json").json() == {"endorsed": False, "text": "",
                                                      "endorsement_count": 0}
    long = client.post(url, {"text": "x" * 141}, format="json")
    assert "one line" in assert_error(long, 400, "text")["errors"]["text"][0]
    own = api_client(world.peer_mentor).post(url, format="json")
    assert "your own post" in assert_error(own, 400, "post")["errors"]["post"][0]


def test_members_nominate_and_facilitators_pick_top_takes(world, alpha, mentor_post, api_client):
    nominated = api_client(world.learner).post(f"{API}/posts/{mentor_post.pk}/nominate/")
    assert nominated.json() == {"nominated": True, "nomination_count": 1}

    url = f"{API}/posts/{mentor_post.pk}/top-take/"
    assert_error(api_client(world.learner).post(url, {"reason": "Mine"}, format="json"), 403)
    assert_error(api_client(world.facilitator).post(url, {"reason": " "}, format="json"), 400, "reason")
    picked = api_client(world.facilitator).post(url, {"reason": "Names the behaviour"}, format="json")
    assert picked.status_code == 201, picked.content
    assert picked.json()["reason"] == "Names the behaviour"
    assert api_client(world.learner).get(f"{API}/posts/{mentor_post.pk}/").json()["top_take"] == (
        "Names the behaviour")
    again = api_client(world.facilitator).post(url, {"reason": "Twice"}, format="json")
    assert_error(again, 400, "post")


def test_flagging_a_post(world, alpha, mentor_post, api_client):
    client = api_client(world.learner)
    url = f"{API}/posts/{mentor_post.pk}/flag/"
    assert_error(client.post(url, {"reason": "boring"}, format="json"), 400, "reason")
    flagged = client.post(url, {"reason": "off_topic", "note": "An advert"}, format="json")
    assert flagged.status_code == 201, flagged.content
    assert flagged.json()["low_risk"] is True and flagged.json()["reporter"] == world.learner.pk
    again = client.post(url, {"reason": "spam"}, format="json")
    assert "already flagged" in assert_error(again, 400, "post")["errors"]["post"][0]


def test_a_facilitator_hides_and_restores_a_post(world, alpha, mentor_post, api_client):
    url = f"{API}/posts/{mentor_post.pk}/"
    assert_error(api_client(world.learner).post(f"{url}hide/"), 403)

    facilitator = api_client(world.facilitator)
    hidden = facilitator.post(f"{url}hide/")
    assert hidden.status_code == 200 and hidden.json()["hidden"] is True

    # readers no longer see it; the facilitator still does, marked hidden
    assert_error(api_client(world.learner).get(url), 404)
    assert results(api_client(world.learner).get(f"{API}/posts/")) == []
    assert [p["hidden"] for p in results(facilitator.get(f"{API}/posts/"))] == [True]

    restored = facilitator.post(f"{url}restore/")
    assert restored.json()["hidden"] is False
    assert api_client(world.learner).get(url).status_code == 200
    assert set(AuditEntry.objects.values_list("action", flat=True)) >= {"post.hide", "post.restore"}


def test_posts_filter_by_thread_author_and_role_and_order_by_time(world, squads, alpha, api_client):
    first = services.post_create(actor=world.learner, thread=alpha, body=WORDS, as_role=True)
    second = services.post_create(actor=world.peer_mentor, thread=alpha, body="A reply", parent=first)
    client = api_client(world.learner)
    assert [p["id"] for p in results(client.get(f"{API}/posts/"))] == [first.pk, second.pk]
    newest = results(client.get(f"{API}/posts/", {"ordering": "-created_at"}))
    assert [p["id"] for p in newest] == [second.pk, first.pk]
    by_author = results(client.get(f"{API}/posts/", {"author": world.peer_mentor.pk}))
    assert [p["id"] for p in by_author] == [second.pk]
    assert [p["id"] for p in results(client.get(f"{API}/posts/", {"role": first.role}))] == [first.pk]
    assert [p["id"] for p in results(client.get(f"{API}/posts/", {"parent": first.pk}))] == [second.pk]
    assert len(results(client.get(f"{API}/posts/", {"thread": alpha.pk}))) == 2


def test_put_is_not_offered_for_posts(world, alpha, mentor_post, api_client):
    response = api_client(world.peer_mentor).put(f"{API}/posts/{mentor_post.pk}/", {"body": "x"},
                                                 format="json")
    assert_error(response, 405)


# --- another organisation -----------------------------------------------------------------


def test_another_organisations_discussions_are_404(world, alpha, mentor_post, other_world, api_client):
    flag = services.post_flag(actor=world.learner, post=mentor_post, reason=FlagReason.SPAM)
    client = api_client(other_world.hr_admin)
    for url in (f"prompts/{alpha.prompt_id}/", f"threads/{alpha.pk}/", f"posts/{mentor_post.pk}/",
                f"flags/{flag.pk}/", f"cohorts/{world.cohort.pk}/feed/"):
        assert_error(client.get(f"{API}/{url}"), 404)
    for url in (f"posts/{mentor_post.pk}/endorse/", f"posts/{mentor_post.pk}/hide/",
                f"threads/{alpha.pk}/lock/", f"prompts/{alpha.prompt_id}/publish/",
                f"flags/{flag.pk}/resolve/"):
        assert_error(client.post(f"{API}/{url}", {"outcome": "upheld"}, format="json"), 404)
    into_acme = client.post(f"{API}/posts/", {"thread": alpha.pk, "body": "Hi"}, format="json")
    assert_error(into_acme, 400, "thread")
    for collection in ("prompts", "threads", "posts", "flags", "feed"):
        assert results(client.get(f"{API}/{collection}/")) == []


# --- flags --------------------------------------------------------------------------------


@pytest.fixture
def flags(world, alpha, mentor_post):
    """A learner's off-topic flag and an expert's disrespectful one on the mentor's post."""
    return {
        "off_topic": services.post_flag(actor=world.learner, post=mentor_post, reason=FlagReason.OFF_TOPIC),
        "disrespectful": services.post_flag(actor=world.expert, post=mentor_post,
                                            reason=FlagReason.DISRESPECTFUL),
    }


def _listed_flags(client, **params) -> set[int]:
    return {f["id"] for f in results(client.get(f"{API}/flags/", params))}


def test_flags_are_listed_for_facilitators_moderators_and_reporters(world, squads, flags, api_client):
    both = {flags["off_topic"].pk, flags["disrespectful"].pk}
    assert _listed_flags(api_client(world.facilitator)) == both
    assert _listed_flags(api_client(world.learner)) == {flags["off_topic"].pk}  # raised it
    assert _listed_flags(api_client(squads["alpha_extra"])) == set()
    # the week's learner moderator sees the low-risk flags only
    services.moderator_set(actor=world.facilitator,
                           membership=CohortMembership.objects.get(user=squads["alpha_extra"]))
    assert _listed_flags(api_client(squads["alpha_extra"])) == {flags["off_topic"].pk}
    assert _listed_flags(api_client(world.facilitator), reason="disrespectful") == {
        flags["disrespectful"].pk}


def test_resolving_a_flag_upheld_hides_the_post(world, flags, mentor_post, api_client):
    client = api_client(world.facilitator)
    url = f"{API}/flags/{flags['disrespectful'].pk}/resolve/"
    assert_error(client.post(url, {"outcome": "maybe"}, format="json"), 400, "outcome")

    response = client.post(url, {"outcome": "upheld", "note": "Out of line"}, format="json")

    assert response.status_code == 200, response.content
    assert (response.json()["outcome"], response.json()["resolution_note"]) == ("upheld", "Out of line")
    mentor_post.refresh_from_db()
    assert mentor_post.hidden_at is not None
    again = client.post(url, {"outcome": "dismissed"}, format="json")
    assert "already resolved" in assert_error(again, 400, "outcome")["errors"]["outcome"][0]
    assert _listed_flags(client, resolved="true") == {flags["disrespectful"].pk}
    assert _listed_flags(client, resolved="false") == {flags["off_topic"].pk}


def test_reporters_may_not_resolve_and_moderators_resolve_low_risk_only(world, squads, flags, api_client):
    # the reporter sees their flag but may not resolve it
    url = f"{API}/flags/{flags['off_topic'].pk}/resolve/"
    assert_error(api_client(world.learner).post(url, {"outcome": "dismissed"}, format="json"), 403)

    # the week's moderator resolves the low-risk one; the other does not exist for them
    moderator = squads["alpha_extra"]
    services.moderator_set(actor=world.facilitator,
                           membership=CohortMembership.objects.get(user=moderator))
    policy.forget_roles(moderator)
    client = api_client(moderator)
    assert client.post(url, {"outcome": "dismissed"}, format="json").status_code == 200
    high_risk = client.post(f"{API}/flags/{flags['disrespectful'].pk}/resolve/", {"outcome": "upheld"},
                            format="json")
    assert_error(high_risk, 404)
    assert Flag.objects.get(pk=flags["disrespectful"].pk).resolved_at is None


def test_a_moderator_who_raised_a_serious_flag_still_may_not_resolve_it(world, squads, flags,
                                                                        mentor_post, api_client):
    moderator = squads["alpha_extra"]
    services.moderator_set(actor=world.facilitator, membership=CohortMembership.objects.get(user=moderator))
    flag = services.post_flag(actor=moderator, post=mentor_post, reason=FlagReason.PERSONAL_DATA)
    response = api_client(moderator).post(f"{API}/flags/{flag.pk}/resolve/", {"outcome": "upheld"},
                                          format="json")
    assert_error(response, 403)


# --- the feed -----------------------------------------------------------------------------


def test_the_cohort_feed_is_newest_first_and_paginated(world, alpha, mentor_post, api_client):
    # given a post, an endorsement, a micro-task done and a Top Take
    services.endorsement_toggle(actor=world.learner, post=mentor_post, text="Useful")
    step = CohortStepFactory(cohort=world.cohort, kind=StepKind.MICROTASK)
    services.microtask_complete(actor=world.learner, step=step, comment="Asked Sam")
    services.top_take_select(actor=world.facilitator, post=mentor_post, reason="Clear")
    client = api_client(world.learner)

    # when a learner reads the cohort's feed
    response = client.get(f"{API}/cohorts/{world.cohort.pk}/feed/", {"page_size": 3})

    # then it starts with the newest item and has a next page
    assert response.status_code == 200
    page = response.json()
    assert page["count"] == 4 and page["next"]
    assert [item["kind"] for item in page["results"]] == ["top_take", "microtask", "endorsement"]
    assert page["results"][0]["thread"] == alpha.pk
    assert page["results"][1]["text"] == "Asked Sam" and page["results"][1]["thread"] is None
    assert page["results"][2]["actor_name"] == "Learner"
    same = results(client.get(f"{API}/feed/", {"cohort": world.cohort.pk, "page_size": 3}))
    assert same == page["results"]
    assert [i["kind"] for i in results(client.get(f"{API}/feed/", {"kind": "post"}))] == ["post"]


def test_a_hidden_post_leaves_the_feed(world, alpha, mentor_post, api_client):
    services.post_hide(actor=world.facilitator, post=mentor_post)
    assert results(api_client(world.learner).get(f"{API}/cohorts/{world.cohort.pk}/feed/")) == []


def test_the_feed_of_a_cohort_i_am_not_in_is_404(world, api_client):
    assert_error(api_client(world.learner).get(f"{API}/cohorts/{world.other_cohort.pk}/feed/"), 404)
    assert_error(api_client(world.learner).get(f"{API}/feed/", {"cohort": world.other_cohort.pk}),
                 400, "cohort")
    assert api_client(world.hr_admin).get(f"{API}/cohorts/{world.other_cohort.pk}/feed/").status_code == 200


# --- micro-tasks --------------------------------------------------------------------------


def test_a_learner_marks_a_microtask_done_once(world, api_client):
    step = CohortStepFactory(cohort=world.cohort, kind=StepKind.MICROTASK, title="Ask one colleague")
    client = api_client(world.learner)

    done = client.post(f"{API}/microtask-completions/", {"step": step.pk, "comment": "Asked Sam"},
                       format="json")

    assert done.status_code == 201, done.content
    assert done.json()["step_title"] == "Ask one colleague" and done.json()["cohort"] == world.cohort.pk
    assert FeedItem.objects.get(kind="microtask").text == "Asked Sam"
    again = client.post(f"{API}/microtask-completions/", {"step": step.pk}, format="json")
    assert "already" in assert_error(again, 400, "step")["errors"]["step"][0]


def test_only_microtasks_of_my_cohorts_are_marked_done_by_participants(world, api_client):
    prompt_step = CohortStepFactory(cohort=world.cohort, kind=StepKind.PROMPT)
    elsewhere = CohortStepFactory(cohort=world.other_cohort, kind=StepKind.MICROTASK)
    microtask = CohortStepFactory(cohort=world.cohort, kind=StepKind.MICROTASK)
    client = api_client(world.learner)
    url = f"{API}/microtask-completions/"
    assert_error(client.post(url, {"step": prompt_step.pk}, format="json"), 400, "step")
    assert_error(client.post(url, {"step": elsewhere.pk}, format="json"), 400, "step")
    long = client.post(url, {"step": microtask.pk, "comment": "x" * 281}, format="json")
    assert_error(long, 400, "comment")
    assert_error(api_client(world.facilitator).post(url, {"step": microtask.pk}, format="json"), 403)


def test_microtasks_done_list_the_cohorts_and_mine(world, squads, api_client):
    step = CohortStepFactory(cohort=world.cohort, kind=StepKind.MICROTASK)
    mine = services.microtask_complete(actor=world.learner, step=step, comment="Done")
    theirs = services.microtask_complete(actor=squads["alpha_extra"], step=step)
    client = api_client(world.learner)
    url = f"{API}/microtask-completions/"
    assert {c["id"] for c in results(client.get(url))} == {mine.pk, theirs.pk}
    assert [c["id"] for c in results(client.get(url, {"mine": "true"}))] == [mine.pk]
    assert len(results(client.get(url, {"cohort": world.cohort.pk, "step": step.pk}))) == 2
    assert results(api_client(world.outsider).get(url)) == []


# --- notifications ------------------------------------------------------------------------


def test_a_mention_notifies_and_the_notification_is_marked_read(
        world, alpha, api_client, django_capture_on_commit_callbacks):
    # given the learner mentions the peer mentor in a post
    handle = world.peer_mentor.email.split("@")[0]
    with django_capture_on_commit_callbacks(execute=True):
        created = api_client(world.learner).post(f"{API}/posts/", {
            "thread": alpha.pk, "body": f"What do you think, @{handle}?"}, format="json")
    assert created.status_code == 201

    # then the peer mentor has one unread notification, and only they see it
    mentor = api_client(world.peer_mentor)
    unread = results(mentor.get(f"{API}/notifications/", {"unread": "true"}))
    assert len(unread) == 1 and unread[0]["kind"] == "mention" and unread[0]["unread"] is True
    assert unread[0]["url"].endswith(f"#post-{created.json()['id']}")
    note_id = unread[0]["id"]
    assert_error(api_client(world.learner).get(f"{API}/notifications/{note_id}/"), 404)
    assert_error(api_client(world.learner).post(f"{API}/notifications/{note_id}/read/"), 404)

    # when they mark it read
    read = mentor.post(f"{API}/notifications/{note_id}/read/")

    # then it is read, and no longer listed as unread
    assert read.status_code == 200 and read.json()["unread"] is False and read.json()["read_at"]
    assert results(mentor.get(f"{API}/notifications/", {"unread": "true"})) == []
    assert len(results(mentor.get(f"{API}/notifications/", {"unread": "false"}))) == 1


def test_marking_all_notifications_read(world, api_client):
    for n in range(3):
        Notification.objects.create(user=world.learner, organization=world.org, kind="mention",
                                    title=f"Note {n}")
    Notification.objects.create(user=world.peer_mentor, organization=world.org, kind="mention",
                                title="Theirs")
    client = api_client(world.learner)
    assert client.post(f"{API}/notifications/read-all/").json() == {"marked": 3}
    assert client.post(f"{API}/notifications/read-all/").json() == {"marked": 0}
    assert Notification.objects.filter(read_at__isnull=True).count() == 1

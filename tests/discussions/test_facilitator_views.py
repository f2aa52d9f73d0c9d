"""The facilitator pages: writing and publishing prompts, swapping roles, picking
Top Takes, and working the moderation queue; who may do what; query counts."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cohorts.models import CohortMembership, StepKind
from core import policy
from core.models import AuditEntry, Event, Notification
from discussions import services
from discussions.models import (
    Flag,
    FlagOutcome,
    FlagReason,
    Post,
    Prompt,
    PromptState,
    RoleAssignment,
    Thread,
    TopTake,
)
from discussions.moderation_queue import queue_for
from tests.factories import CohortStepFactory, MembershipFactory

pytestmark = pytest.mark.django_db

QUEUE_BUDGET = 20
BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


def prompt_data(**overrides) -> dict:
    """A complete prompt form: three roles, one blank row."""
    data = {
        "title": "What makes feedback land?", "body": "Share **one** piece of feedback.",
        "due_at": "2030-03-10T18:00", "minutes": "25", "step": "",
        "roles-TOTAL_FORMS": "4", "roles-INITIAL_FORMS": "3",
        "roles-MIN_NUM_FORMS": "0", "roles-MAX_NUM_FORMS": "1000",
    }
    for index, (name, low, high) in enumerate([("questioner", 20, 120), ("summarizer", 40, 200),
                                               ("challenger", 30, 160)]):
        data.update({f"roles-{index}-name": name, f"roles-{index}-deliverable": f"The {name}'s paragraph.",
                     f"roles-{index}-min_words": str(low), f"roles-{index}-max_words": str(high)})
    data.update({"roles-3-name": "", "roles-3-deliverable": "", "roles-3-min_words": "",
                 "roles-3-max_words": ""})
    data.update(overrides)
    return data


def login(client, user):
    policy.forget_roles(user)
    client.force_login(user)
    return client


@pytest.fixture
def published(world, squads, publish):
    prompt, threads = publish()
    return prompt, threads


@pytest.fixture
def flagged(world, published):
    """A learner's post in Alpha, flagged as spam by the peer mentor."""
    _, threads = published
    post = services.post_create(actor=world.learner, thread=threads["Alpha"],
                                body="Buy my feedback course at example.com today.")
    flag = services.post_flag(actor=world.peer_mentor, post=post, reason=FlagReason.SPAM)
    return post, flag


# --- prompts ---------------------------------------------------------------------------


def test_the_new_prompt_form_offers_the_three_default_roles(client, world):
    page = login(client, world.facilitator).get(reverse("discussions:prompt_create", args=[world.cohort.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    for name in ("questioner", "summarizer", "challenger"):
        assert f'value="{name}"' in html
    assert 'name="roles-TOTAL_FORMS" value="4"' in html
    assert "In the cohort&#x27;s timezone (Europe/Berlin)" in html


def test_a_facilitator_writes_a_prompt_due_in_the_cohorts_timezone(client, world):
    # Given a facilitator whose own timezone differs from the cohort's
    world.facilitator.timezone = "America/New_York"
    world.facilitator.save()
    data = prompt_data(**{"roles-3-name": "connector", "roles-3-deliverable": "Link two ideas.",
                          "roles-3-min_words": "10", "roles-3-max_words": "80",
                          "roles-1-DELETE": "on"})

    # When they save a prompt due 18:00 with a fourth role, removing the summarizer
    response = login(client, world.facilitator).post(
        reverse("discussions:prompt_create", args=[world.cohort.pk]), data)

    # Then a draft is saved, due 18:00 Berlin time, with the roles in the order shown
    prompt = Prompt.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("discussions:prompt_manage", args=[prompt.pk])
    assert prompt.state == PromptState.DRAFT and prompt.minutes == 25
    assert prompt.due_at == dt.datetime(2030, 3, 10, 18, 0, tzinfo=BERLIN)
    assert list(prompt.roles.values_list("name", "min_words", "max_words")) == [
        ("questioner", 20, 120), ("challenger", 30, 160), ("connector", 10, 80)]
    assert AuditEntry.objects.filter(action="prompt.create", actor=world.facilitator).exists()


def test_errors_keep_everything_typed(client, world):
    # Given a prompt without a title and a role whose maximum is below its minimum
    data = prompt_data(title="", body="My *carefully* worded question", **{"roles-2-max_words": "5"})

    response = login(client, world.facilitator).post(
        reverse("discussions:prompt_create", args=[world.cohort.pk]), data)

    # Then nothing is saved and the form comes back with the messages and the text
    html = response.content.decode()
    assert response.status_code == 200 and not Prompt.objects.exists()
    assert "This field is required." in html
    assert "The maximum must be at least the minimum." in html
    assert "My *carefully* worded question" in html
    assert 'value="challenger"' in html and 'name="roles-2-max_words" value="5"' in html


def test_a_past_due_date_and_a_nameless_role_are_refused(client, world):
    data = prompt_data(due_at="2020-01-01T10:00", **{"roles-0-name": ""})
    html = login(client, world.facilitator).post(
        reverse("discussions:prompt_create", args=[world.cohort.pk]), data).content.decode()
    assert "The due date has passed" in html
    assert "Give this role a name, or tick Remove." in html
    assert not Prompt.objects.exists()


def test_duplicate_role_names_come_back_from_the_service_onto_the_form(client, world):
    data = prompt_data(**{"roles-1-name": "questioner"})
    html = login(client, world.facilitator).post(
        reverse("discussions:prompt_create", args=[world.cohort.pk]), data).content.decode()
    assert "Role 2 needs a name that no other role has." in html
    assert not Prompt.objects.exists()


def test_add_a_role_shows_one_more_row_and_keeps_the_text(client, world):
    data = prompt_data(title="Half-written", **{"roles-3-name": "connector", "add_role": "1"})

    response = login(client, world.facilitator).post(
        reverse("discussions:prompt_create", args=[world.cohort.pk]), data)

    html = response.content.decode()
    assert response.status_code == 200 and not Prompt.objects.exists()
    assert 'name="roles-TOTAL_FORMS" value="5"' in html
    assert 'value="Half-written"' in html and 'value="connector"' in html
    assert "errorlist" not in html  # adding a row is not a submission


def test_a_prompt_from_a_journey_step_is_prefilled_and_linked(client, world):
    step = CohortStepFactory(cohort=world.cohort, kind=StepKind.PROMPT, title="Feedback that landed",
                             description="Think of a time...", minutes=30,
                             due_on=timezone.localdate() + dt.timedelta(days=10))
    client = login(client, world.facilitator)
    listing = client.get(reverse("discussions:prompt_list", args=[world.cohort.pk])).content.decode()
    assert "Write this prompt" in listing and "Feedback that landed" in listing

    form = client.get(reverse("discussions:prompt_create", args=[world.cohort.pk]) + f"?step={step.pk}")
    html = form.content.decode()
    assert 'value="Feedback that landed"' in html and "Think of a time..." in html
    assert f'value="{step.due_on:%Y-%m-%d}T23:59"' in html

    data = prompt_data(title="Feedback that landed", step=str(step.pk))
    client.post(reverse("discussions:prompt_create", args=[world.cohort.pk]), data)
    assert Prompt.objects.get().step == step
    listing = client.get(reverse("discussions:prompt_list", args=[world.cohort.pk])).content.decode()
    assert "prompt written" in listing and "Draft" in listing


def test_publishing_asks_first_then_opens_threads_and_the_page_shows_roles_and_deliverables(
        client, world, squads):
    prompt = services.prompt_create(actor=world.facilitator, cohort=world.cohort, title="Feedback",
                                    body="Discuss.", due_at=timezone.now() + dt.timedelta(days=3))
    client = login(client, world.facilitator)
    confirm = client.get(reverse("discussions:prompt_publish", args=[prompt.pk])).content.decode()
    assert "one thread for each of the 2 squads (Alpha, Beta)" in confirm
    assert prompt.state == PromptState.DRAFT

    response = client.post(reverse("discussions:prompt_publish", args=[prompt.pk]))

    assert response.status_code == 302
    prompt.refresh_from_db()
    assert prompt.state == PromptState.PUBLISHED and prompt.threads.count() == 2
    alpha = Thread.objects.get(prompt=prompt, squad__name="Alpha")
    summarizer = RoleAssignment.objects.get(thread=alpha, role="summarizer").user
    services.post_create(actor=summarizer, thread=alpha, body="word " * 50, as_role=True)
    html = client.get(reverse("discussions:prompt_manage", args=[prompt.pk])).content.decode()
    assert "Squad Alpha" in html and "Squad Beta" in html
    assert "1 of 3 deliverables done" in html and "0 of 3 deliverables done" in html
    assert summarizer.display_name in html and "delivered" in html
    # publishing twice is refused politely
    again = client.post(reverse("discussions:prompt_publish", args=[prompt.pk]), follow=True)
    assert "already published" in again.content.decode()


def test_a_facilitator_swaps_two_members_roles(client, world, published):
    _, threads = published
    before = dict(RoleAssignment.objects.filter(thread=threads["Alpha"]).values_list("user_id", "role"))
    first, second = list(before)[:2]

    response = login(client, world.facilitator).post(
        reverse("discussions:roles_swap", args=[threads["Alpha"].pk]), {"first": first, "second": second})

    assert response.status_code == 302 and response.url.endswith(f"#thread-{threads['Alpha'].pk}")
    after = dict(RoleAssignment.objects.filter(thread=threads["Alpha"]).values_list("user_id", "role"))
    assert (after[first], after[second]) == (before[second], before[first])
    assert AuditEntry.objects.filter(action="roles.swap").exists()


def test_a_swap_with_the_same_member_twice_is_refused_with_the_choice_kept(client, world, published):
    _, threads = published
    member = RoleAssignment.objects.filter(thread=threads["Alpha"]).first().user_id
    response = login(client, world.facilitator).post(
        reverse("discussions:roles_swap", args=[threads["Alpha"].pk]), {"first": member, "second": member})
    html = response.content.decode()
    assert response.status_code == 200 and "Choose two different members." in html
    assert f'<option value="{member}" selected>' in html


# --- Top Take and post actions ---------------------------------------------------------------


def test_a_facilitator_picks_a_top_take_with_a_reason(client, world, flagged):
    post, _ = flagged
    thread_url = reverse("discussions:thread", args=[post.thread_id])
    response = login(client, world.facilitator).post(
        reverse("discussions:top_take_select", args=[post.pk]),
        {"reason": "Names the behaviour, not the person", "next": f"{thread_url}#post-{post.pk}"})
    assert response.status_code == 302 and response.url == f"{thread_url}#post-{post.pk}"
    assert TopTake.objects.get(post=post).reason == "Names the behaviour, not the person"
    assert Event.objects.filter(verb="top_take_selected").exists()


def test_a_top_take_without_a_reason_is_refused_and_an_outside_next_is_ignored(client, world, flagged):
    post, _ = flagged
    client = login(client, world.facilitator)
    response = client.post(reverse("discussions:top_take_select", args=[post.pk]),
                           {"reason": "", "next": "https://evil.example/"})
    assert response.status_code == 200 and "This field is required." in response.content.decode()
    assert 'value="https://evil.example/"' not in response.content.decode()
    assert not TopTake.objects.exists()
    services.top_take_select(actor=world.facilitator, post=post, reason="First pick")
    again = client.post(reverse("discussions:top_take_select", args=[post.pk]), {"reason": "Twice"})
    assert "already a Top Take" in again.content.decode()


def test_the_post_actions_partial_renders_for_a_post(rf, world, flagged):
    from django.template.loader import render_to_string

    post, _ = flagged
    request = rf.get(reverse("discussions:thread", args=[post.thread_id]))
    request.user = world.facilitator
    html = render_to_string("discussions/facilitator/post_actions.html", {"post": post}, request=request)
    assert reverse("discussions:post_hide", args=[post.pk]) in html
    assert reverse("discussions:top_take_select", args=[post.pk]) in html
    assert reverse("discussions:author_message", args=[post.pk]) in html


def test_messaging_the_author_notifies_them_and_is_audited(client, world, flagged):
    post, _ = flagged
    client = login(client, world.facilitator)
    assert client.get(reverse("discussions:author_message", args=[post.pk])).status_code == 200

    response = client.post(reverse("discussions:author_message", args=[post.pk]),
                           {"text": "Please keep adverts out of the thread.",
                            "next": reverse("discussions:moderation")})

    assert response.status_code == 302 and response.url == reverse("discussions:moderation")
    note = Notification.objects.get(user=world.learner)
    assert note.kind == "facilitator_message" and note.body == "Please keep adverts out of the thread."
    assert note.url.endswith(f"#post-{post.pk}") and note.source_event.verb == "author_messaged"
    entry = AuditEntry.objects.get(action="post.message_author")
    assert entry.actor == world.facilitator and entry.target_id == str(post.pk)


def test_an_empty_message_is_refused(client, world, flagged):
    post, _ = flagged
    response = login(client, world.facilitator).post(reverse("discussions:author_message", args=[post.pk]),
                                                      {"text": "   "})
    assert response.status_code == 200 and "This field is required." in response.content.decode()
    assert not Notification.objects.exists()


# --- the queue and its actions -------------------------------------------------------------


def test_the_queue_lists_items_with_their_reasons_and_actions(client, world, flagged):
    post, flag = flagged
    html = login(client, world.facilitator).get(reverse("discussions:moderation")).content.decode()
    assert "Flagged post" in html and "Flagged 1 time: Spam or advertising." in html
    assert reverse("discussions:post_hide", args=[post.pk]) in html
    assert reverse("discussions:flag_resolve", args=[flag.pk]) in html
    assert reverse("discussions:thread_lock", args=[post.thread_id]) in html
    assert reverse("discussions:author_message", args=[post.pk]) in html
    assert "Learner moderators" in html and world.learner.display_name in html


def test_hiding_from_the_queue_without_javascript_redirects_back(client, world, flagged):
    post, _ = flagged
    response = login(client, world.facilitator).post(
        reverse("discussions:post_hide", args=[post.pk]), {"next": reverse("discussions:moderation")})
    assert response.status_code == 302 and response.url == reverse("discussions:moderation")
    post.refresh_from_db()
    assert post.hidden_by == world.facilitator
    assert AuditEntry.objects.filter(action="post.hide").exists()


def test_hiding_with_htmx_swaps_just_the_item(client, world, flagged):
    post, _ = flagged
    key = f"flagged_post-post-{post.pk}"
    response = login(client, world.facilitator).post(
        reverse("discussions:post_hide", args=[post.pk]), {"item": key}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert f'id="item-{key}"' in html and "is hidden from learners" in html
    assert "The post is already hidden" in html
    assert reverse("discussions:post_restore", args=[post.pk]) in html

    # and restoring brings it back
    response = client.post(reverse("discussions:post_restore", args=[post.pk]), {"item": key},
                           HTTP_HX_REQUEST="true")
    post.refresh_from_db()
    assert post.hidden_at is None and "is shown again" in response.content.decode()


def test_locking_and_unlocking_a_thread(client, world, flagged):
    post, _ = flagged
    client = login(client, world.facilitator)
    client.post(reverse("discussions:thread_lock", args=[post.thread_id]), {"locked": "1"})
    assert Thread.objects.get(pk=post.thread_id).locked_at is not None
    client.post(reverse("discussions:thread_lock", args=[post.thread_id]), {"locked": "0"})
    assert Thread.objects.get(pk=post.thread_id).locked_at is None
    assert list(AuditEntry.objects.filter(action__startswith="thread.").order_by("created_at")
                .values_list("action", flat=True)) == ["thread.lock", "thread.unlock"]


def test_resolving_a_flag_with_an_outcome_and_note(client, world, flagged):
    post, flag = flagged
    response = login(client, world.facilitator).post(
        reverse("discussions:flag_resolve", args=[flag.pk]),
        {"outcome": FlagOutcome.UPHELD, "note": "Advertising", "next": reverse("discussions:moderation")})
    assert response.status_code == 302
    flag.refresh_from_db()
    post.refresh_from_db()
    assert (flag.outcome, flag.resolution_note, flag.resolved_by) == ("upheld", "Advertising",
                                                                      world.facilitator)
    assert post.hidden_at is not None
    assert queue_for(world.facilitator) == []


def test_resolving_without_an_outcome_keeps_the_note(client, world, flagged):
    _, flag = flagged
    response = login(client, world.facilitator).post(
        reverse("discussions:flag_resolve", args=[flag.pk]), {"note": "Looks like an ad"})
    html = response.content.decode()
    assert response.status_code == 200 and "This field is required." in html
    assert 'value="Looks like an ad"' in html
    assert Flag.objects.get().resolved_at is None


def test_a_learner_moderator_resolves_low_risk_flags_but_not_others(client, world, squads, flagged):
    post, spam_flag = flagged
    rude_flag = services.post_flag(actor=squads["alpha_extra"], post=post, reason=FlagReason.DISRESPECTFUL)
    mentor = CohortMembership.objects.get(cohort=world.cohort, user=world.peer_mentor)
    login(client, world.facilitator).post(reverse("discussions:moderator_set", args=[world.cohort.pk]),
                                          {"membership": mentor.pk})
    assert CohortMembership.objects.get(pk=mentor.pk).is_moderator
    assert AuditEntry.objects.filter(action="moderator.set").exists()
    # the mentor's own flag is the spam one; a third learner reports another spam post
    other = services.post_create(actor=squads["alpha_extra"], thread=post.thread, body="Great deals inside.")
    low = services.post_flag(actor=world.learner, post=other, reason=FlagReason.SPAM)

    client = login(client, world.peer_mentor)
    html = client.get(reverse("discussions:moderation")).content.decode()
    assert "Spam or advertising" in html and "Disrespectful" not in html
    assert reverse("discussions:post_hide", args=[other.pk]) not in html  # resolve only

    assert client.post(reverse("discussions:flag_resolve", args=[rude_flag.pk]),
                       {"outcome": "dismissed"}).status_code in (403, 404)
    assert client.post(reverse("discussions:post_hide", args=[other.pk])).status_code == 403
    response = client.post(reverse("discussions:flag_resolve", args=[low.pk]), {"outcome": "dismissed"})
    assert response.status_code == 302
    low.refresh_from_db()
    assert low.outcome == "dismissed" and low.resolved_by == world.peer_mentor
    assert spam_flag.pk  # untouched: the mentor reported it and it stays with the facilitator


# --- who may ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["learner", "peer_mentor", "expert", "analyst", "outsider"])
def test_people_who_do_not_facilitate_are_refused(client, world, flagged, role):
    post, flag = flagged
    prompt = Prompt.objects.get()
    client = login(client, world.person(role))
    # Pages of a cohort they can see are 403; ones they cannot see are 404.
    for url in (reverse("discussions:prompt_list", args=[world.cohort.pk]),
                reverse("discussions:prompt_create", args=[world.cohort.pk]),
                reverse("discussions:moderation")):
        assert client.get(url).status_code in (403, 404), url
    for url, data in ((reverse("discussions:post_hide", args=[post.pk]), {}),
                      (reverse("discussions:thread_lock", args=[post.thread_id]), {}),
                      (reverse("discussions:top_take_select", args=[post.pk]), {"reason": "x"}),
                      (reverse("discussions:author_message", args=[post.pk]), {"text": "x"}),
                      (reverse("discussions:flag_resolve", args=[flag.pk]), {"outcome": "upheld"}),
                      (reverse("discussions:prompt_publish", args=[prompt.pk]), {}),
                      (reverse("discussions:moderator_set", args=[world.cohort.pk]), {"membership": 1})):
        assert client.post(url, data).status_code in (403, 404), url
    assert not TopTake.objects.exists() and not Notification.objects.exists()
    assert Post.objects.get(pk=post.pk).hidden_at is None


def test_a_learner_gets_403_on_a_cohort_they_belong_to(client, world, flagged):
    post, _ = flagged
    client = login(client, world.learner)
    assert client.get(reverse("discussions:prompt_list", args=[world.cohort.pk])).status_code == 403
    assert client.get(reverse("discussions:moderation")).status_code == 403
    assert client.post(reverse("discussions:post_hide", args=[post.pk])).status_code == 403


def test_another_organisations_facilitator_gets_404(client, world, flagged, other_world):
    post, flag = flagged
    prompt = Prompt.objects.get()
    client = login(client, other_world.facilitator)
    for url in (reverse("discussions:prompt_list", args=[world.cohort.pk]),
                reverse("discussions:prompt_manage", args=[prompt.pk]),
                reverse("discussions:roles_swap", args=[post.thread_id]),
                reverse("discussions:author_message", args=[post.pk]),
                reverse("discussions:flag_resolve", args=[flag.pk])):
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("discussions:post_hide", args=[post.pk])).status_code == 404
    # and their own queue is empty
    assert "Nothing needs you right now." in client.get(reverse("discussions:moderation")).content.decode()


def test_learners_do_not_see_draft_prompts(client, world):
    prompt = services.prompt_create(actor=world.facilitator, cohort=world.cohort, title="Secret draft",
                                    body="x", due_at=timezone.now() + dt.timedelta(days=1))
    client = login(client, world.learner)
    assert client.get(reverse("discussions:prompt_manage", args=[prompt.pk])).status_code == 404


# --- query counts ------------------------------------------------------------------------------


def grow_queue(world, squads, items: int) -> None:
    """About `items` queue items: flagged posts and unanswered questions across squads and prompts."""
    reporters = [MembershipFactory(cohort=world.cohort, role="learner").user for _ in range(2)]
    prompt = services.prompt_create(actor=world.facilitator, cohort=world.cohort, title=f"Grow {items}",
                                    body="x", due_at=timezone.now() + dt.timedelta(hours=5))
    threads = services.prompt_publish(actor=world.facilitator, prompt=prompt)
    authors = [world.learner, world.peer_mentor, squads["alpha_extra"], *squads["beta_members"]]
    old = timezone.now() - dt.timedelta(days=3)
    posts = Post.objects.bulk_create(
        Post(thread=threads[n % len(threads)], author=authors[n % len(authors)],
             body=f"Post {n}: is this the right question?", body_html=f"<p>Post {n}?</p>", word_count=6,
             created_at=old + dt.timedelta(seconds=n))
        for n in range(items))
    Flag.objects.bulk_create(Flag(post=post, reporter=reporters[n % 2],
                                  reason=[FlagReason.SPAM, FlagReason.DISRESPECTFUL][n % 2])
                             for n, post in enumerate(posts[: items // 2]))


def _queue_page_queries(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("discussions:moderation"))
    assert response.status_code == 200
    return len(queries), response


@pytest.mark.parametrize("viewer", ["facilitator", "hr_admin"])
def test_the_queue_page_costs_the_same_queries_with_10_and_1000_items(client, world, squads, viewer,
                                                                      record_property):
    client = login(client, world.person(viewer))
    grow_queue(world, squads, 10)
    client.get(reverse("discussions:moderation"))
    small, small_page = _queue_page_queries(client)
    assert len(queue_for(world.person(viewer))) >= 10

    grow_queue(world, squads, 990)
    large, large_page = _queue_page_queries(client)

    assert len(queue_for(world.person(viewer))) >= 1000
    record_property("queries", f"{small} -> {large}")
    print(f"moderation queue ({viewer}): {small} queries with ~10 items, {large} with ~1000")
    assert small <= QUEUE_BUDGET, small
    assert large <= small, (small, large)
    assert b"Page 1 of" in large_page.content and b"Page 1 of" not in small_page.content


def grow_prompts(world, count: int) -> None:
    """More squads (with members) and more published prompts, each with a thread per squad."""
    from tests.factories import SquadFactory

    for _ in range(count):
        squad = SquadFactory(cohort=world.cohort)
        for _ in range(3):
            MembershipFactory(cohort=world.cohort, squad=squad)
    for number in range(count):
        prompt = services.prompt_create(actor=world.facilitator, cohort=world.cohort,
                                        title=f"Prompt {Prompt.objects.count()} {number}", body="x",
                                        due_at=timezone.now() + dt.timedelta(days=3))
        services.prompt_publish(actor=world.facilitator, prompt=prompt)


@pytest.mark.parametrize("page", ["prompt list", "published prompt", "swap form"])
def test_the_prompt_pages_cost_the_same_queries_with_more_squads_and_prompts(client, world, squads, page,
                                                                             record_property):
    client = login(client, world.facilitator)
    grow_prompts(world, 1)

    def url():
        latest = Prompt.objects.order_by("-pk").first()
        return {"prompt list": reverse("discussions:prompt_list", args=[world.cohort.pk]),
                "published prompt": reverse("discussions:prompt_manage", args=[latest.pk]),
                "swap form": reverse("discussions:roles_swap", args=[latest.threads.first().pk])}[page]

    client.get(url())
    with CaptureQueriesContext(connection) as small:
        assert client.get(url()).status_code == 200
    grow_prompts(world, 10)
    with CaptureQueriesContext(connection) as large:
        assert client.get(url()).status_code == 200
    record_property("queries", f"{len(small)} -> {len(large)}")
    assert len(small) <= QUEUE_BUDGET
    assert len(large) <= len(small), (len(small), len(large))

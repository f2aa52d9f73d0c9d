"""A facilitator works the moderation queue in a real browser: a flagged post is
hidden from the queue (htmx swaps just that item) and learners no longer see it."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from cohorts.models import CohortRole
from discussions import services
from discussions.models import FlagReason, Post
from tests.factories import MembershipFactory

from .support import playwright_expect

expect = playwright_expect()
pytestmark = pytest.mark.browser

RUDE = "Honestly this is the dumbest take I have read all week."


@pytest.fixture
def flagged_post(world):
    """A published prompt with two posts in Alpha's thread, one flagged as disrespectful."""
    extra = MembershipFactory(cohort=world.cohort, squad=world.squad, role=CohortRole.LEARNER).user
    prompt = services.prompt_create(actor=world.facilitator, cohort=world.cohort, title="Feedback",
                                    body="What makes feedback land?",
                                    due_at=timezone.now() + dt.timedelta(days=3))
    [thread] = services.prompt_publish(actor=world.facilitator, prompt=prompt)
    services.post_create(actor=world.peer_mentor, thread=thread, body="Specific feedback lands best.")
    post = services.post_create(actor=extra, thread=thread, body=RUDE)
    services.post_flag(actor=world.peer_mentor, post=post, reason=FlagReason.DISRESPECTFUL,
                       note="Name-calling")
    return post


def test_a_facilitator_hides_a_flagged_post_from_the_queue_and_learners_no_longer_see_it(
        page, log_in, world, flagged_post):
    thread_url = reverse("discussions:thread", args=[flagged_post.thread_id])

    # Given the learner can read the post in their squad's thread
    log_in(world.learner)
    page.goto(thread_url)
    expect(page.get_by_text(RUDE)).to_be_visible()
    page.context.clear_cookies()

    # When the facilitator opens the moderation queue from Facilitate
    log_in(world.facilitator)
    page.get_by_role("link", name="Facilitate").first.click()
    page.get_by_role("button", name="Moderation queue").click()  # a link styled role="button"
    expect(page.get_by_role("heading", level=1)).to_have_text("Moderation queue")

    # Then the flagged post is there, saying why
    item = page.locator(f"#item-flagged_post-post-{flagged_post.pk}")
    expect(item).to_contain_text("Flagged post")
    expect(item).to_contain_text("Flagged 1 time: Disrespectful or harassing.")
    expect(item).to_contain_text("Name-calling")
    expect(item).to_contain_text(RUDE)

    # When they hide it (htmx: only the item is swapped, the page does not reload)
    page.evaluate("window.peerloopMarker = 'same page'")
    with page.expect_response(re.compile(rf"/posts/{flagged_post.pk}/hide/$")) as swap:
        item.get_by_role("button", name="Hide post").click()

    # Then the item says so and offers to restore it; its flag still waits for an outcome
    assert swap.value.request.headers.get("hx-request") == "true"
    item = page.locator(f"#item-flagged_post-post-{flagged_post.pk}")
    expect(item.get_by_role("status")).to_contain_text("is hidden from learners")
    expect(item).to_contain_text("The post is already hidden; resolve the flags to clear it.")
    expect(item.get_by_role("button", name="Restore post")).to_be_visible()
    assert page.evaluate("window.peerloopMarker") == "same page"
    flagged_post.refresh_from_db()
    assert flagged_post.hidden_by == world.facilitator

    # and the learner no longer sees the post in the thread, while the other post stays
    page.context.clear_cookies()
    log_in(world.learner)
    page.goto(thread_url)
    expect(page.get_by_text("Specific feedback lands best.")).to_be_visible()
    expect(page.get_by_text(RUDE)).to_have_count(0)
    assert Post.objects.filter(pk=flagged_post.pk, hidden_at__isnull=False).exists()

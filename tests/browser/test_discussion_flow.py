"""A squad discussion in a real browser: a learner writes their role paragraph
while the word counter follows along, then a squadmate endorses it and replies
to it without the page reloading."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from cohorts.models import CohortRole
from discussions import services
from discussions.models import Endorsement, Post, PromptRole, RoleAssignment
from tests.factories import PASSWORD, MembershipFactory

from .conftest import TIMEOUT_MS
from .support import playwright_expect

expect = playwright_expect()
pytestmark = pytest.mark.browser


@pytest.fixture
def alpha_thread(world):
    """A published prompt; squad Alpha (learner, peer mentor and one more) has its thread."""
    MembershipFactory(cohort=world.cohort, squad=world.squad, role=CohortRole.LEARNER)
    prompt = services.prompt_create(
        actor=world.facilitator, cohort=world.cohort, title="What makes feedback land?",
        body="Share one piece of feedback that changed how you work.",
        due_at=timezone.now() + dt.timedelta(days=3))
    (thread,) = services.prompt_publish(actor=world.facilitator, prompt=prompt)
    return thread


def test_a_learner_posts_their_role_paragraph_and_a_squadmate_endorses_it_without_reload(
        page, log_in, browser, live_server, world, alpha_thread):
    role_name = RoleAssignment.objects.get(thread=alpha_thread, user=world.learner).role
    role = PromptRole.objects.get(prompt=alpha_thread.prompt, name=role_name)

    # Given the learner on their squad's thread
    log_in(world.learner)
    page.goto(f"/threads/{alpha_thread.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("What makes feedback land?")
    offer = page.get_by_label(f"Post as my {role.name} paragraph")
    expect(offer).to_be_checked()
    counter = page.locator("#post-word-count")

    # When they start typing, the counter follows each word and says what is missing
    body = page.get_by_label("Your post")
    body.press_sequentially("Feedback lands when")
    expect(counter).to_have_text(f"3 words · {role.min_words - 3} more words to reach {role.min_words}")
    # and once the paragraph is long enough it says so
    paragraph = " ".join(["Specific, kind and timely feedback changes what people do next."]
                         * (role.min_words // 10 + 1))
    body.fill(paragraph)
    expect(counter).to_contain_text(f"within {role.min_words}\N{EN DASH}{role.max_words}")

    # When they post it (htmx: the page stays, the post joins the discussion)
    page.evaluate("window.__stayedOnPage = 'yes'")
    page.get_by_role("button", name="Post", exact=True).click()
    post = page.locator("#posts article.post").first
    expect(post).to_contain_text("Specific, kind and timely feedback")
    expect(post.locator(".badge").first).to_have_text(role.name)
    expect(page.locator("#roles")).to_contain_text("delivered")
    expect(page.get_by_label("Your post")).to_have_value("")
    assert page.evaluate("window.__stayedOnPage") == "yes"
    created = Post.objects.get(author=world.learner)
    assert created.role == role.name

    # Given a squadmate on the same thread, in their own browser
    context = browser.new_context(base_url=live_server.url, locale="en-GB", timezone_id="Europe/Berlin")
    context.set_default_timeout(TIMEOUT_MS)
    mate = context.new_page()
    mate.goto("/accounts/login/")
    mate.get_by_label("Email").fill(world.peer_mentor.email)
    mate.get_by_label("Password").fill(PASSWORD)
    with mate.expect_navigation():
        mate.get_by_role("button", name="Sign In").click()
    mate.goto(f"/threads/{alpha_thread.pk}/")
    mate.evaluate("window.__marker = 'still here'")
    footer = mate.locator(f"#reactions-{created.pk}")
    expect(footer).to_contain_text("0 found this helpful")

    # When they endorse it with a one-line endorsement
    footer.get_by_label("Why it helped (optional, one line)").fill("Made me rethink my 1:1s")
    footer.get_by_role("button", name="Endorse").click()

    # Then only the footer changes: the count is 1, theirs, and the page never reloaded
    expect(footer).to_contain_text("1 found this helpful (you too)")
    expect(footer.get_by_role("button", name="Withdraw endorsement")).to_be_visible()
    assert mate.evaluate("window.__marker") == "still here"
    assert re.search(r"/threads/\d+/$", mate.url)
    endorsement = Endorsement.objects.get(post=created)
    assert (endorsement.user, endorsement.text) == (world.peer_mentor, "Made me rethink my 1:1s")

    # When they reply: the link opens the form in place, and the reply joins the post
    mate.get_by_role("link", name=f"Reply to {world.learner.display_name}").click()
    mate.get_by_label("Your reply").fill("Trying this in my next review.")
    mate.get_by_role("button", name="Reply", exact=True).click()
    reply = mate.locator(f"#replies-{created.pk} article.reply")
    expect(reply).to_contain_text("Trying this in my next review.")
    expect(mate.get_by_role("link", name=f"Reply to {world.learner.display_name}")).to_be_visible()
    assert mate.evaluate("window.__marker") == "still here"
    assert Post.objects.get(parent=created).author == world.peer_mentor
    context.close()

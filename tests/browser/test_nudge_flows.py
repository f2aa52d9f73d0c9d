"""Nudges in a real browser: a learner changes their preferences and unsubscribes from
one kind of email through the link in it; a facilitator approves proposed nudges,
in bulk and one edited, and watches them leave the queue."""

from __future__ import annotations

import pytest

from nudges import services
from nudges.models import Channel, Message, MessageState, Topic, TopicPreference
from tests.nudges.test_pages import a_rule, classmates, proposed

from .support import playwright_expect

expect = playwright_expect()
pytestmark = pytest.mark.browser


def test_a_learner_changes_preferences_then_unsubscribes_from_one_type_by_the_link(page, log_in, world):
    # Given the learner on their nudge preferences, reached from the menu
    log_in(world.learner)
    page.goto("/")
    page.locator("summary", has_text=world.learner.display_name).click()
    page.get_by_role("link", name="Nudge preferences").click()
    digest_email = page.get_by_label("The weekly Top Take digest by email")
    expect(digest_email).to_be_checked()

    # When they switch off the digest by email and set quiet hours
    digest_email.uncheck()
    page.get_by_label("Quiet from").select_option("21")
    page.get_by_label("Quiet until").select_option("07:00")
    page.get_by_role("button", name="Save preferences").click()

    # Then it is saved and shown so
    expect(page.get_by_text("Your nudge preferences are saved.")).to_be_visible()
    expect(page.get_by_label("The weekly Top Take digest by email")).not_to_be_checked()
    expect(page.get_by_label("Quiet from")).to_have_value("21")

    # When a nudge email's unsubscribe link is opened (signed in or not: the link is enough)
    token = services.unsubscribe_token(world.learner, Topic.REVIEW_DUE, Channel.EMAIL)
    page.context.clear_cookies()
    page.goto(f"/nudges/unsubscribe/{token}/")
    expect(page.get_by_text("peer reviews due soon")).to_be_visible()
    page.get_by_role("button", name="Unsubscribe").click()

    # Then that one type is off, and the rest is as the learner left it
    expect(page.get_by_role("heading", name="You are unsubscribed")).to_be_visible()
    off = TopicPreference.objects.filter(user=world.learner, enabled=False).values_list("topic", "channel")
    off = set(off)
    assert off == {("digest", "email"), ("review_due", "email")}

    # And the preferences page, after signing in again, shows it
    log_in(world.learner)
    page.goto("/nudges/preferences/")
    expect(page.get_by_label("Peer reviews due soon by email")).not_to_be_checked()
    expect(page.get_by_label("Peer reviews due soon by in-app")).to_be_checked()


def test_a_facilitator_approves_proposed_nudges_and_they_leave_the_queue(page, log_in, world):
    # Given three nudges a rule in approval mode proposed for the facilitator's cohort
    rule = a_rule(world, name="Inactive for a week")
    people = classmates(world, 3)
    for person in people:
        proposed(world, person, rule=rule, subject=f"We miss you, {person.full_name}",
                 channels=(Channel.EMAIL, Channel.IN_APP))

    # When the facilitator opens the queue from the navigation
    log_in(world.facilitator)
    page.goto("/")
    page.get_by_role("link", name="Approvals").click()
    rows = page.get_by_test_id("proposal")
    expect(rows).to_have_count(3)

    # And approves two of them in bulk
    for person in people[:2]:
        page.get_by_label(f"Select the nudge to {person.display_name}").check()
    page.get_by_role("button", name="Approve selected").click()

    # Then those leave the queue
    expect(page.get_by_text("Approved 2 nudges")).to_be_visible()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(people[2].display_name)

    # When they edit the last one and approve it
    rows.first.get_by_text("Edit and approve").click()
    rows.first.get_by_label("Subject").fill("Your squad saved you a seat")
    rows.first.get_by_role("button", name="Save and approve").click()

    # Then the queue is empty and every channel of every nudge is approved
    expect(page.get_by_test_id("no-proposals")).to_be_visible()
    assert not Message.objects.filter(state=MessageState.PROPOSED).exists()
    assert set(Message.objects.filter(user=people[2]).values_list("subject", flat=True)) == {
        "Your squad saved you a seat"}

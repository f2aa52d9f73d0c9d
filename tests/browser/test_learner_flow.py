"""A learner's way through the portal in a real browser: sign in, "This week",
the cohort page, the profile; and what people without a cohort or with a wrong
password see."""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import pytest

from cohorts.models import StepKind
from tests.factories import CohortStepFactory

from .support import playwright_expect

expect = playwright_expect()
pytestmark = pytest.mark.browser

# Set PEERLOOP_SCREENSHOTS=/some/dir to keep a picture of "This week" (e.g. as a CI artifact).
SCREENSHOT_DIR = os.environ.get("PEERLOOP_SCREENSHOTS")


@pytest.fixture
def week_steps(world):
    """This week's prompt and task, and next week's prompt, in the learner's cohort."""
    cohort = world.cohort
    CohortStepFactory(cohort=cohort, week=1, kind=StepKind.PROMPT, title="What makes feedback land?",
                      description="Share one piece of feedback that changed how you work.", minutes=20)
    CohortStepFactory(cohort=cohort, week=1, kind=StepKind.MICROTASK, title="Ask for feedback once",
                      minutes=10)
    CohortStepFactory(cohort=cohort, week=2, kind=StepKind.PROMPT, title="Feedback across teams",
                      opens_on=cohort.start_date + dt.timedelta(days=7),
                      due_on=cohort.start_date + dt.timedelta(days=13))
    return cohort


def test_learner_signs_in_and_sees_this_week_then_the_cohort(page, log_in, world, week_steps):
    # Given a learner in squad Alpha of an active cohort with steps this week
    # When they sign in through the login form
    log_in(world.learner)

    # Then they land on "This week" for that cohort, with their tasks and squad
    expect(page).to_have_url(re.compile(r"/week/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("This week")
    expect(page.locator("hgroup")).to_contain_text(world.cohort.name)
    expect(page.locator("hgroup")).to_contain_text("week 1")
    tasks = page.locator("section", has=page.get_by_role("heading", name="Your tasks"))
    expect(tasks).to_contain_text("What makes feedback land?")
    expect(tasks).to_contain_text("Ask for feedback once")
    expect(tasks).to_contain_text("About 30 minutes in all.")
    expect(tasks.get_by_role("heading", name="Coming up")).to_be_visible()
    expect(tasks).to_contain_text("Feedback across teams")
    squad = page.locator("aside")
    expect(squad).to_contain_text("Alpha")
    expect(squad).to_contain_text("you are a learner")
    expect(squad).to_contain_text(world.peer_mentor.display_name)
    if SCREENSHOT_DIR:
        page.screenshot(path=str(Path(SCREENSHOT_DIR) / "peerloop-this-week.png"), full_page=True)

    # When they follow the link to the cohort page
    squad.get_by_role("link", name=f"See everyone in {world.cohort.name}").click()

    # Then they see the staff, the squads and who is in them
    expect(page.get_by_role("heading", level=1)).to_contain_text(world.cohort.name)
    expect(page.locator("section", has=page.get_by_role("heading", name="Facilitators and experts"))
           ).to_contain_text(world.facilitator.display_name)
    alpha = page.locator("article", has=page.get_by_text("Alpha", exact=True))
    expect(alpha).to_contain_text("2 members")
    expect(alpha.get_by_role("listitem")).to_have_text([
        f"{world.learner.display_name} (you)",
        f"{world.peer_mentor.display_name} Peer mentor",
    ])
    # and no management link, which is for facilitators
    expect(page.get_by_role("button", name="Manage members and squads")).to_have_count(0)
    expect(page.get_by_role("link", name="Manage members and squads")).to_have_count(0)


def test_learner_sees_their_profile_with_cohort_role_and_squad(page, log_in, world):
    # Given a signed-in learner
    log_in(world.learner)

    # When they open their profile from the account menu
    page.get_by_text(world.learner.display_name, exact=True).click()
    page.get_by_role("link", name="Profile").click()

    # Then it shows who they are and their cohort with role and squad
    expect(page.get_by_role("heading", level=1)).to_have_text(world.learner.display_name)
    expect(page.locator("hgroup")).to_contain_text(world.learner.email)
    cohorts = page.locator("section", has=page.get_by_role("heading", name="Your cohorts"))
    expect(cohorts.get_by_role("link", name=world.cohort.name)).to_be_visible()
    expect(cohorts).to_contain_text("Learner in Alpha")
    expect(page.get_by_label("Full name")).to_have_value(world.learner.full_name)


def test_person_without_a_cohort_sees_the_explanatory_empty_state(page, log_in, world):
    # Given someone in the organisation who is in no cohort
    # When they sign in
    log_in(world.outsider)

    # Then "This week" explains why it is empty and whom to ask, with their email
    expect(page).to_have_url(re.compile(r"/week/$"))
    empty = page.locator(".empty-state")
    expect(empty.get_by_role("heading", name="You are not in a cohort yet")).to_be_visible()
    expect(empty).to_contain_text("When a facilitator adds you to a cohort")
    expect(empty).to_contain_text(world.outsider.email)
    # and, not being a facilitator, no link to facilitation
    expect(page.get_by_role("link", name="Facilitate")).to_have_count(0)


def test_wrong_password_shows_an_error_and_keeps_the_email(page, log_in, world):
    # Given a learner who mistypes their password
    # When they submit the login form
    log_in(world.learner, password="not-my-password")

    # Then they stay on the login page with an error, their email still typed
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    expect(page.get_by_text("The email address and/or password you specified are not correct."
                            )).to_be_visible()
    expect(page.get_by_label("Email")).to_have_value(world.learner.email)
    expect(page.get_by_label("Password")).to_have_value("")

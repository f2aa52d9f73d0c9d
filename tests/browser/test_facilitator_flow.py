"""A facilitator's way through the portal in a real browser: the Facilitate
dashboard, managing a cohort's squads (the htmx squad selector), and creating a
cohort from a journey template."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from cohorts.models import Cohort, CohortMembership, CohortRole, CohortStep, Squad
from cohorts.selectors import local_today

from .support import playwright_expect

expect = playwright_expect()
pytestmark = pytest.mark.browser


def test_facilitator_creates_a_squad_and_moves_a_learner_into_it(page, log_in, world):
    # Given the facilitator of a cohort whose learner is in squad Alpha
    log_in(world.facilitator)

    # When they open Facilitate
    page.get_by_role("link", name="Facilitate").click()

    # Then their cohort is listed with its member counts and squads
    card = page.locator("article", has=page.get_by_role("link", name=world.cohort.name))
    expect(card).to_contain_text("1 learner · 4 members in all")
    expect(card).to_contain_text("Squads: Alpha (2)")
    expect(page.locator("article", has_text=world.other_cohort.name)).to_have_count(0)

    # When they open the cohort's manage page and create squad Beta
    card.get_by_role("link", name="Members and squads").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(world.cohort.name)
    page.get_by_label("New squad").fill("Beta")
    page.get_by_role("button", name="Create squad").click()

    # Then the page says so and Beta is offered in every squad selector
    expect(page.get_by_role("status")).to_contain_text("Squad Beta is created.")
    squad_select = page.get_by_test_id(f"squad-{world.learner.email}")
    expect(squad_select.locator("option")).to_have_text(["No squad", "Alpha", "Beta"])
    expect(squad_select).to_have_value(str(world.squad.pk))

    # When they move the learner to Beta with the selector (htmx, no page load)
    page.evaluate("window.peerloopMarker = 'same page'")
    membership = CohortMembership.objects.get(cohort=world.cohort, user=world.learner)
    row = page.locator(f"#member-{membership.pk}")
    with page.expect_response(re.compile(rf"/members/{membership.pk}/$")) as swap:
        squad_select.select_option(label="Beta")

    # Then only the row is swapped, says "Saved", and the page never reloaded
    assert swap.value.request.headers.get("hx-request") == "true"
    expect(row.get_by_role("status")).to_have_text("Saved")
    beta = Squad.objects.get(cohort=world.cohort, name="Beta")
    expect(page.get_by_test_id(f"squad-{world.learner.email}")).to_have_value(str(beta.pk))
    assert page.evaluate("window.peerloopMarker") == "same page"
    membership.refresh_from_db()
    assert membership.squad_id == beta.pk

    # and the cohort page shows the learner in Beta, no longer in Alpha
    page.get_by_role("link", name="cohort page").click()
    squad_card = page.locator("article", has=page.get_by_text("Beta", exact=True))
    expect(squad_card).to_contain_text(world.learner.display_name)
    expect(squad_card).to_contain_text("1 member")
    alpha = page.locator("article", has=page.get_by_text("Alpha", exact=True))
    expect(alpha).not_to_contain_text(world.learner.display_name)
    expect(alpha).to_contain_text(world.peer_mentor.display_name)


def test_facilitator_creates_a_cohort_from_the_journey_template(page, log_in, world):
    # Given the facilitator, and the organisation's two-week journey template
    log_in(world.facilitator)
    start = local_today(world.facilitator) - dt.timedelta(days=1)

    # When they create an active cohort from it, starting yesterday
    page.get_by_role("link", name="Facilitate").click()
    page.get_by_role("button", name="New cohort").click()  # a link styled role="button"
    page.get_by_label("Name").fill("Spring leaders")
    page.get_by_label("Template").select_option(label=world.template.name)
    page.get_by_label("Start date").fill(start.isoformat())
    page.get_by_role("button", name="Create cohort").click()

    # Then they land on its manage page, as its facilitator
    expect(page.get_by_role("status")).to_contain_text("Spring leaders is created.")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Spring leaders")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Active")
    cohort = Cohort.objects.get(organization=world.org, name="Spring leaders")
    assert cohort.start_date == start
    assert cohort.end_date == start + dt.timedelta(days=7 * world.template.weeks - 1)
    assert CohortMembership.objects.filter(cohort=cohort, user=world.facilitator,
                                           role=CohortRole.FACILITATOR).exists()

    # and the template's steps are copied with dates shifted to the start date
    steps = {s.title: s for s in CohortStep.objects.filter(cohort=cohort)}
    assert set(steps) == {"Kick-off prompt", "Second week task"}
    assert (steps["Kick-off prompt"].opens_on, steps["Kick-off prompt"].due_on) == (
        start, start + dt.timedelta(days=6))
    assert (steps["Second week task"].opens_on, steps["Second week task"].due_on) == (
        start + dt.timedelta(days=7), start + dt.timedelta(days=13))

    # and "This week" for the new cohort shows week 1's step now and week 2's as coming up
    page.goto(f"/week/?cohort={cohort.pk}")
    expect(page.locator("hgroup")).to_contain_text(
        f"Spring leaders · week 1 · {start:%-d %b} \N{EN DASH} {start + dt.timedelta(days=6):%-d %b %Y}")
    tasks = page.locator("section", has=page.get_by_role("heading", name="Your tasks"))
    expect(tasks.get_by_role("heading", name="Kick-off prompt")).to_be_visible()
    expect(tasks).to_contain_text(f"opens {start:%a %-d %b}")
    second = start + dt.timedelta(days=7)
    expect(tasks.get_by_role("listitem")).to_contain_text([f"{second:%a %-d %b}: Second week task"])

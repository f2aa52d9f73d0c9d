"""Portal pages: what a learner or facilitator sees and what their forms do."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from cohorts import selectors
from cohorts.models import Cohort, CohortMembership, CohortRole, CohortStep, Squad
from core.models import ApiToken
from core.services import hash_key

from ..factories import CohortStepFactory, MembershipFactory, SquadFactory, UserFactory

pytestmark = pytest.mark.django_db


def _start_this_week(cohort: Cohort, user) -> dt.date:
    """Make `cohort` two days into its first week in `user`'s local time."""
    cohort.start_date = selectors.local_today(user) - dt.timedelta(days=2)
    cohort.end_date = cohort.start_date + dt.timedelta(days=41)
    cohort.save()
    return cohort.start_date


def _member_url(world, membership, name="portal:membership_change"):
    return reverse(name, args=[world.cohort.pk, membership.pk])


# --- This week -------------------------------------------------------------------


def test_this_week_shows_the_weeks_steps_with_minutes_and_my_squad(world, portal_client):
    # given a cohort in its first week with two steps now and one next week
    start = _start_this_week(world.cohort, world.learner)
    CohortStepFactory(cohort=world.cohort, title="Introduce yourself", kind="prompt", minutes=15)
    CohortStepFactory(cohort=world.cohort, title="Map your network", minutes=20,
                      opens_on=start + dt.timedelta(days=1))
    CohortStepFactory(cohort=world.cohort, week=2, title="Give feedback", minutes=30,
                      opens_on=start + dt.timedelta(days=7), due_on=start + dt.timedelta(days=13))
    # when the learner opens This week
    response = portal_client(world.learner).get(reverse("portal:this_week"))
    # then they see this week's steps with minutes, next week's only as coming up,
    # and their squad with the squadmate
    html = response.content.decode()
    tasks, coming_up = html.split("<h3>Coming up</h3>")
    assert "week 1" in tasks
    assert "Introduce yourself" in tasks and "15 min" in tasks
    assert "Map your network" in tasks and "20 min" in tasks
    assert "About 35 minutes in all" in tasks
    assert "Give feedback" not in tasks and "Give feedback" in coming_up
    assertContains(response, "<strong>Alpha</strong> · you are a learner", html=False)
    assertContains(response, "Mentor")


def test_this_week_before_the_cohort_starts_says_when_it_starts(world, portal_client):
    world.cohort.start_date = selectors.local_today(world.learner) + dt.timedelta(days=10)
    world.cohort.end_date = world.cohort.start_date + dt.timedelta(days=41)
    world.cohort.save()
    response = portal_client(world.learner).get(reverse("portal:this_week"))
    assertContains(response, f"acme cohort starts on {world.cohort.start_date:%A} ")


def test_this_week_of_a_member_without_a_squad_says_so(world, portal_client):
    response = portal_client(world.expert).get(reverse("portal:this_week"))
    assertContains(response, "You are an expert in acme cohort but not in a squad yet.")


def test_this_week_for_someone_in_no_cohort_shows_the_empty_state(world, portal_client):
    response = portal_client(world.outsider).get(reverse("portal:this_week"))
    assert response.status_code == 200
    assertContains(response, "You are not in a cohort yet")
    assertContains(response, "outsider@acme.example")


def test_this_week_links_the_other_cohorts_i_am_in(world, portal_client):
    MembershipFactory(cohort=world.other_cohort, user=world.learner)
    response = portal_client(world.learner).get(reverse("portal:this_week"))
    assertContains(response, f'?cohort={world.other_cohort.pk}">acme other</a>', html=False)


# --- Cohort page -----------------------------------------------------------------


def test_cohort_page_lists_squads_and_members(world, portal_client):
    # given one more learner who is not in a squad
    MembershipFactory(cohort=world.cohort, user=UserFactory(organization=world.org, full_name="Una"))
    # when the learner opens the cohort page
    response = portal_client(world.learner).get(reverse("portal:cohort_detail", args=[world.cohort.pk]))
    # then they see squad Alpha with its two members, the staff, and who has no squad
    assertContains(response, "<strong>Alpha</strong> <small class=\"muted\">2 members</small>", html=True)
    assertContains(response, "Learner (you)")
    assertContains(response, "Mentor")
    staff = response.content.decode().split("Facilitators and experts")[1].split("Squads")[0]
    assert "Facilitator" in staff and "Expert" in staff
    unplaced = response.content.decode().split("Not in a squad yet")[1]
    assert "Una" in unplaced
    assertNotContains(response, "Manage members and squads")


def test_cohort_page_offers_managing_to_its_facilitator(world, portal_client):
    response = portal_client(world.facilitator).get(
        reverse("portal:cohort_detail", args=[world.cohort.pk]))
    assertContains(response, reverse("portal:cohort_manage", args=[world.cohort.pk]))


def test_cohort_page_of_a_cohort_i_am_not_in_is_404(world, other_world, portal_client):
    client = portal_client(world.learner)
    assert client.get(reverse("portal:cohort_detail", args=[world.other_cohort.pk])).status_code == 404
    assert client.get(reverse("portal:cohort_detail", args=[other_world.cohort.pk])).status_code == 404


# --- Profile ---------------------------------------------------------------------


def test_profile_shows_my_cohorts_with_role_and_squad(world, portal_client):
    response = portal_client(world.learner).get(reverse("portal:profile"))
    assertContains(response, "acme cohort")
    assertContains(response, "Learner in Alpha")


def test_profile_edit_saves(world, portal_client):
    client = portal_client(world.learner)
    # when the learner saves new details
    response = client.post(reverse("portal:profile"), {
        "full_name": "Lea Learner", "title": "Analyst", "department": "Finance",
        "timezone": "Europe/Paris", "locale": "en",
    }, follow=True)
    # then they are back on their profile with a confirmation, and the details are stored
    assertRedirects(response, reverse("portal:profile"))
    assertContains(response, "Your profile is saved.")
    assertContains(response, "Lea Learner")
    world.learner.refresh_from_db()
    assert (world.learner.full_name, world.learner.title, world.learner.department,
            world.learner.timezone) == ("Lea Learner", "Analyst", "Finance", "Europe/Paris")


def test_profile_with_an_invalid_timezone_re_renders_keeping_what_i_typed(world, portal_client):
    # when the learner submits a timezone that does not exist
    response = portal_client(world.learner).post(reverse("portal:profile"), {
        "full_name": "Lea Typed", "title": "Chief Typist", "department": "",
        "timezone": "Mars/Olympus_Mons", "locale": "en",
    })
    # then the form comes back with an error and their text, and nothing is saved
    assert response.status_code == 200
    assertContains(response, "Select a valid choice")
    assertContains(response, 'value="Lea Typed"', html=False)
    assertContains(response, 'value="Chief Typist"', html=False)
    world.learner.refresh_from_db()
    assert world.learner.full_name == "Learner"


# --- Facilitator dashboard -------------------------------------------------------


def test_facilitator_dashboard_shows_member_counts_and_squads(world, portal_client):
    # given one more learner without a squad and a second, empty squad
    MembershipFactory(cohort=world.cohort)
    SquadFactory(cohort=world.cohort, name="Beta")
    # when the facilitator opens the dashboard
    response = portal_client(world.facilitator).get(reverse("portal:facilitate"))
    # then their cohort shows its counts and squads, and the cohort they do not run is absent
    assertContains(response, "<strong>2</strong> learners · 5 members in all", html=False)
    assertContains(response, "Squads: Alpha (2), Beta (0)")
    assertContains(response, "1 learner not in a squad")
    assertNotContains(response, "acme other")


def test_facilitator_dashboard_is_refused_to_a_learner(world, portal_client):
    assert portal_client(world.learner).get(reverse("portal:facilitate")).status_code == 403


# --- New cohort ------------------------------------------------------------------


def test_cohort_create_from_a_template_redirects_to_its_manage_page(world, portal_client):
    client = portal_client(world.facilitator)
    assertContains(client.get(reverse("portal:cohort_create")), "acme journey")
    # when the facilitator creates a cohort from the template
    response = client.post(reverse("portal:cohort_create"), {
        "name": "Spring leaders", "template": world.template.pk, "start_date": "2027-03-01",
        "end_date": "", "timezone": "Europe/Berlin", "description": "", "activate": "on",
    }, follow=True)
    # then they land on its manage page, and the template's steps are in it
    cohort = Cohort.objects.get(name="Spring leaders")
    assertRedirects(response, reverse("portal:cohort_manage", args=[cohort.pk]))
    assertContains(response, "Spring leaders is created. Add its members next.")
    assert cohort.state == "active" and cohort.journey_template == world.template
    assert list(CohortStep.objects.filter(cohort=cohort).values_list("title", "opens_on")) == [
        ("Kick-off prompt", dt.date(2027, 3, 1)), ("Second week task", dt.date(2027, 3, 8))]
    assert CohortMembership.objects.get(cohort=cohort, user=world.facilitator).role == \
        CohortRole.FACILITATOR


def test_cohort_create_ending_before_it_starts_re_renders_keeping_the_name(world, portal_client):
    response = portal_client(world.facilitator).post(reverse("portal:cohort_create"), {
        "name": "Typed cohort name", "template": "", "start_date": "2027-03-01",
        "end_date": "2027-02-01", "timezone": "Europe/Berlin", "description": "",
    })
    assert response.status_code == 200
    assertContains(response, "The cohort must end on or after its start date.")
    assertContains(response, 'value="Typed cohort name"', html=False)
    assert not Cohort.objects.filter(name="Typed cohort name").exists()


def test_cohort_create_is_refused_to_a_learner(world, portal_client):
    assert portal_client(world.learner).get(reverse("portal:cohort_create")).status_code == 403


# --- Manage a cohort -------------------------------------------------------------


def test_manage_page_lists_members_and_squads(world, portal_client):
    response = portal_client(world.facilitator).get(
        reverse("portal:cohort_manage", args=[world.cohort.pk]))
    assertContains(response, "4 members · 1 squad")
    for email in ["facilitator", "expert", "mentor", "learner"]:
        assertContains(response, f"{email}@acme.example")
    assertContains(response, "Alpha <small class=\"muted\">(2)</small>", html=False)


def test_manage_adds_a_member_by_email(world, portal_client):
    url = reverse("portal:cohort_manage", args=[world.cohort.pk])
    response = portal_client(world.facilitator).post(url, {
        "add-email": "Outsider@acme.example", "add-role": "learner", "add-squad": world.squad.pk,
    }, follow=True)
    assertRedirects(response, url)
    assertContains(response, "Outsider joined acme cohort.")
    membership = CohortMembership.objects.get(cohort=world.cohort, user=world.outsider)
    assert (membership.role, membership.squad) == (CohortRole.LEARNER, world.squad)


def test_manage_with_an_unknown_email_says_so_and_keeps_it(world, other_world, portal_client):
    url = reverse("portal:cohort_manage", args=[world.cohort.pk])
    client = portal_client(world.facilitator)
    for email in ["nobody@acme.example", "learner@globex.example"]:
        response = client.post(url, {"add-email": email, "add-role": "learner", "add-squad": ""})
        assert response.status_code == 200
        assertContains(response, "Nobody in your organisation has this email address.")
        assertContains(response, f'value="{email}"', html=False)
    assert world.cohort.memberships.count() == 4


def test_manage_adding_a_member_twice_shows_the_reason(world, portal_client):
    response = portal_client(world.facilitator).post(
        reverse("portal:cohort_manage", args=[world.cohort.pk]),
        {"add-email": "learner@acme.example", "add-role": "learner", "add-squad": ""})
    assertContains(response, "Learner is already in this cohort.")


def test_manage_creates_a_squad(world, portal_client):
    url = reverse("portal:cohort_manage", args=[world.cohort.pk])
    response = portal_client(world.facilitator).post(url, {"squad-name": "Beta"}, follow=True)
    assertRedirects(response, url)
    assertContains(response, "Squad Beta is created.")
    assert Squad.objects.filter(cohort=world.cohort, name="Beta").exists()


def test_manage_creating_a_duplicate_squad_keeps_the_name_and_says_why(world, portal_client):
    response = portal_client(world.facilitator).post(
        reverse("portal:cohort_manage", args=[world.cohort.pk]), {"squad-name": "alpha"})
    assert response.status_code == 200
    assertContains(response, "This cohort already has a squad with that name.")
    assertContains(response, 'value="alpha"', html=False)


def test_htmx_membership_change_returns_only_the_saved_row(world, portal_client):
    # given a second squad
    beta = SquadFactory(cohort=world.cohort, name="Beta")
    membership = CohortMembership.objects.get(cohort=world.cohort, user=world.learner)
    # when the facilitator picks it in the learner's row (htmx)
    response = portal_client(world.facilitator).post(
        _member_url(world, membership), {"squad": beta.pk}, HTTP_HX_REQUEST="true")
    # then only that row comes back, saying it is saved with Beta selected
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith(f'<tr id="member-{membership.pk}">')
    assert "<html" not in html and "<body" not in html
    assertContains(response, "Saved")
    assertContains(response, f'<option value="{beta.pk}" selected>Beta</option>', html=True)
    membership.refresh_from_db()
    assert membership.squad == beta


def test_htmx_role_change_saves_the_role(world, portal_client):
    membership = CohortMembership.objects.get(cohort=world.cohort, user=world.learner)
    response = portal_client(world.facilitator).post(
        _member_url(world, membership), {"role": "peer_mentor"}, HTTP_HX_REQUEST="true")
    assertContains(response, "Saved")
    membership.refresh_from_db()
    assert (membership.role, membership.squad) == (CohortRole.PEER_MENTOR, world.squad)


def test_htmx_membership_change_to_another_cohorts_squad_shows_the_error_in_the_row(
    world, portal_client
):
    elsewhere = SquadFactory(cohort=world.other_cohort, name="Elsewhere")
    membership = CohortMembership.objects.get(cohort=world.cohort, user=world.learner)
    response = portal_client(world.facilitator).post(
        _member_url(world, membership), {"squad": elsewhere.pk}, HTTP_HX_REQUEST="true")
    assertContains(response, "Choose one of this cohort&#x27;s squads.")
    assertNotContains(response, "Saved")
    membership.refresh_from_db()
    assert membership.squad == world.squad


def test_membership_change_without_htmx_redirects_back(world, portal_client):
    membership = CohortMembership.objects.get(cohort=world.cohort, user=world.learner)
    response = portal_client(world.facilitator).post(_member_url(world, membership), {"squad": ""},
                                                     follow=True)
    assertRedirects(response, reverse("portal:cohort_manage", args=[world.cohort.pk]))
    assertContains(response, "Learner is updated.")
    membership.refresh_from_db()
    assert membership.squad is None


def test_manage_removes_a_member(world, portal_client):
    membership = CohortMembership.objects.get(cohort=world.cohort, user=world.learner)
    response = portal_client(world.facilitator).post(
        _member_url(world, membership, "portal:membership_remove"), follow=True)
    assertRedirects(response, reverse("portal:cohort_manage", args=[world.cohort.pk]))
    assertContains(response, "Learner left acme cohort.")
    assert not CohortMembership.objects.filter(pk=membership.pk).exists()


def test_manage_is_refused_to_a_learner(world, portal_client):
    client = portal_client(world.learner)
    membership = CohortMembership.objects.get(cohort=world.cohort, user=world.learner)
    assert client.get(reverse("portal:cohort_manage", args=[world.cohort.pk])).status_code == 403
    assert client.post(_member_url(world, membership), {"role": "facilitator"}).status_code == 403
    membership.refresh_from_db()
    assert membership.role == CohortRole.LEARNER


# --- API tokens ------------------------------------------------------------------


def test_api_tokens_page_shows_a_new_key_once(world, portal_client):
    client = portal_client(world.learner)
    url = reverse("portal:api_tokens")
    assertContains(client.get(url), "You have no tokens.")
    # when the learner creates a token
    response = client.post(url, {"name": "HR dashboard sync"})
    # then the page shows its key, which is the one stored (as a hash)
    assert response.status_code == 200
    key = re.search(r'data-testid="new-token">([^<]+)<', response.content.decode()).group(1)
    token = ApiToken.objects.get(user=world.learner)
    assert token.key_hash == hash_key(key) and token.name == "HR dashboard sync"
    # and when they come back, the token is listed but its key is gone
    again = client.get(url)
    assertContains(again, "HR dashboard sync")
    assertContains(again, f"<code>{token.prefix}…</code>", html=True)
    assertNotContains(again, key)


def test_api_tokens_page_revokes_a_token(world, portal_client):
    client = portal_client(world.learner)
    client.post(reverse("portal:api_tokens"), {"name": "Old script"})
    token = ApiToken.objects.get(user=world.learner)
    response = client.post(reverse("portal:api_token_revoke", args=[token.pk]), follow=True)
    assertContains(response, "Token &quot;Old script&quot; is revoked.")
    assertContains(response, '<span class="badge">revoked</span>', html=True)
    token.refresh_from_db()
    assert token.revoked_at is not None

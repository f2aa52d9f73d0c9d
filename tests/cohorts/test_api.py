"""The REST API as an integration or a script notices it: what each endpoint
returns, what it changes, and the one error shape of every refusal."""

import datetime as dt
import hashlib

import pytest
from rest_framework.test import APIClient

from cohorts import services
from cohorts.models import CohortMembership, CohortRole, CohortState, CohortStep, Squad, User
from core.models import ApiToken, AuditEntry, Event

from ..factories import (
    CohortFactory,
    JourneyStepFactory,
    JourneyTemplateFactory,
    MembershipFactory,
    SquadFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

API = "/api/v1"


def assert_error(response, status: int = 400, field: str | None = None) -> dict:
    """Every refusal has the one shape: {"message": str, "errors": {field: [str, ...]}}."""
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"message", "errors"}
    assert isinstance(body["message"], str) and body["message"]
    assert isinstance(body["errors"], dict)
    for messages in body["errors"].values():
        assert messages and all(isinstance(m, str) and m for m in messages)
    if field is not None:
        assert field in body["errors"], body
    return body


def results(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


def token_client(key: str, keyword: str = "Token") -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"{keyword} {key}")
    return client


# --- me/ ---------------------------------------------------------------------------


def test_me_shows_who_i_am_my_organisation_and_my_roles(world, api_client):
    # given a facilitator of the world cohort
    # when they ask who they are
    response = api_client(world.facilitator).get(f"{API}/me/")
    # then they see themselves, their organisation and their cohort role
    assert response.status_code == 200
    body = response.json()
    assert body["email"] == "facilitator@acme.example"
    assert body["display_name"] == "Facilitator"
    assert body["organization"]["name"] == "Acme Inc"
    assert body["organization_roles"] == []
    assert body["cohort_roles"] == {str(world.cohort.pk): CohortRole.FACILITATOR}


def test_me_lists_organisation_roles_of_an_hr_admin(world, api_client):
    response = api_client(world.hr_admin).get(f"{API}/me/")
    assert response.json()["organization_roles"] == ["hr_admin"]


def test_i_can_change_my_name_and_timezone(world, api_client):
    # given a learner in Berlin
    client = api_client(world.learner)
    # when they change their name and timezone
    response = client.patch(f"{API}/me/", {"full_name": "Lea Learner", "timezone": "America/Toronto"},
                            format="json")
    # then the response and the stored person show the new values, and the change is audited
    assert response.status_code == 200
    assert response.json()["full_name"] == "Lea Learner"
    assert response.json()["timezone"] == "America/Toronto"
    world.learner.refresh_from_db()
    assert (world.learner.full_name, world.learner.timezone) == ("Lea Learner", "America/Toronto")
    entry = AuditEntry.objects.get(action="user.update", target_id=str(world.learner.pk))
    assert entry.changes["timezone"] == ["Europe/Berlin", "America/Toronto"]


def test_an_unknown_timezone_is_refused_on_the_timezone_field(world, api_client):
    # when a learner sends a timezone that does not exist
    response = api_client(world.learner).patch(f"{API}/me/", {"timezone": "Mars/Olympus_Mons"},
                                               format="json")
    # then they get a 400 naming the field, and nothing changed
    assert_error(response, field="timezone")
    world.learner.refresh_from_db()
    assert world.learner.timezone == "Europe/Berlin"


def test_i_cannot_deactivate_myself_or_change_my_email_through_me(world, api_client):
    client = api_client(world.learner)
    assert_error(client.patch(f"{API}/me/", {"is_active": False}, format="json"), field="is_active")
    assert_error(client.patch(f"{API}/me/", {"email": "new@acme.example"}, format="json"),
                 field="email")
    world.learner.refresh_from_db()
    assert world.learner.is_active and world.learner.email == "learner@acme.example"


def test_me_without_credentials_is_401_in_the_error_shape(db):
    response = APIClient().get(f"{API}/me/")
    assert_error(response, status=401)


def test_a_body_that_is_not_json_is_400_in_the_error_shape(world, api_client):
    response = api_client(world.learner).patch(f"{API}/me/", "{not json",
                                               content_type="application/json")
    assert_error(response)


# --- organization/ -----------------------------------------------------------------


def test_organization_shows_my_organisation(world, other_world, api_client):
    response = api_client(world.learner).get(f"{API}/organization/")
    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["name"], body["slug"], body["default_timezone"]) == (
        world.org.pk, "Acme Inc", "acme", "Europe/Berlin")


def test_organization_of_someone_without_one_is_404(db, api_client):
    loner = UserFactory(organization=None)
    assert_error(api_client(loner).get(f"{API}/organization/"), status=404)


# --- users/ ------------------------------------------------------------------------


def test_users_lists_the_people_of_my_organisation(world, other_world, api_client):
    emails = {u["email"] for u in results(api_client(world.learner).get(f"{API}/users/"))}
    assert emails == {"hr@acme.example", "analyst@acme.example", "facilitator@acme.example",
                      "expert@acme.example", "mentor@acme.example", "learner@acme.example",
                      "outsider@acme.example"}


def test_users_filter_by_department(world, api_client):
    # given two people in Sales and one in Finance
    for name, department in [("Sam", "Sales"), ("Sue", "Sales"), ("Fred", "Finance")]:
        UserFactory(organization=world.org, full_name=name, department=department)
    # when an HR admin filters by Sales
    response = api_client(world.hr_admin).get(f"{API}/users/", {"department": "Sales"})
    # then only the Sales people are listed
    assert sorted(u["full_name"] for u in results(response)) == ["Sam", "Sue"]


def test_users_ordering_by_full_name_and_newest_first(world, api_client):
    # given three people who joined on different days, in no name order
    base = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    for days, name in [(3, "Mia"), (1, "Adam"), (2, "Zoe")]:
        UserFactory(organization=world.org, full_name=name, department="Ops",
                    date_joined=base + dt.timedelta(days=days))
    client = api_client(world.hr_admin)
    # when ordered by name, and by newest first
    by_name = results(client.get(f"{API}/users/", {"department": "Ops", "ordering": "full_name"}))
    newest = results(client.get(f"{API}/users/", {"department": "Ops", "ordering": "-date_joined"}))
    # then each ordering holds
    assert [u["full_name"] for u in by_name] == ["Adam", "Mia", "Zoe"]
    assert [u["full_name"] for u in newest] == ["Mia", "Zoe", "Adam"]


def test_users_pagination_with_page_size(world, api_client):
    # given 7 people in the organisation
    client = api_client(world.hr_admin)
    # when asked for pages of 3
    first = client.get(f"{API}/users/", {"page_size": 3, "ordering": "full_name"}).json()
    last = client.get(f"{API}/users/", {"page_size": 3, "page": 3, "ordering": "full_name"}).json()
    # then pages have 3, 3 and 1 people with links between them
    assert first["count"] == 7
    assert len(first["results"]) == 3 and first["previous"] is None and "page=2" in first["next"]
    assert len(last["results"]) == 1 and last["next"] is None
    assert [u["full_name"] for u in first["results"]] == ["Analyst", "Expert", "Facilitator"]


def test_a_page_past_the_end_is_404_in_the_error_shape(world, api_client):
    assert_error(api_client(world.hr_admin).get(f"{API}/users/", {"page": 99}), status=404)


def test_hr_admin_adds_a_person_who_is_audited(world, api_client):
    # when an HR admin adds a person
    response = api_client(world.hr_admin).post(f"{API}/users/", {
        "email": "New.Hire@Acme.example", "full_name": "New Hire", "department": "Sales",
    }, format="json")
    # then the person exists in the organisation with its default timezone, and it is audited
    assert response.status_code == 201, response.content
    assert response.json()["email"] == "new.hire@acme.example"
    person = User.objects.get(email="new.hire@acme.example")
    assert person.organization == world.org and person.timezone == world.org.default_timezone
    assert not person.has_usable_password()
    entry = AuditEntry.objects.get(action="user.create", target_id=str(person.pk))
    assert entry.actor == world.hr_admin and entry.organization == world.org
    assert entry.changes["email"] == [None, "new.hire@acme.example"]
    assert Event.objects.filter(verb="user_created", subject_id=str(person.pk)).exists()


def test_adding_a_person_with_an_existing_email_is_a_field_message(world, api_client):
    # when an HR admin adds someone whose email (in other case) is taken
    response = api_client(world.hr_admin).post(f"{API}/users/", {"email": "LEARNER@acme.example"},
                                               format="json")
    # then the email field says so and nobody was added
    body = assert_error(response, field="email")
    assert body["errors"]["email"] == ["A person with this email address already exists."]
    assert User.objects.filter(email__iexact="learner@acme.example").count() == 1


def test_adding_a_person_with_an_invalid_email_is_a_field_message(world, api_client):
    response = api_client(world.hr_admin).post(f"{API}/users/", {"email": "not-an-email"},
                                               format="json")
    assert_error(response, field="email")


def test_a_learner_may_not_add_people(world, api_client):
    response = api_client(world.learner).post(f"{API}/users/", {"email": "x@acme.example"},
                                              format="json")
    assert_error(response, status=403)
    assert not User.objects.filter(email="x@acme.example").exists()


def test_hr_admin_changes_a_persons_department(world, api_client):
    response = api_client(world.hr_admin).patch(f"{API}/users/{world.learner.pk}/",
                                                {"department": "Legal"}, format="json")
    assert response.status_code == 200
    assert response.json()["department"] == "Legal"
    world.learner.refresh_from_db()
    assert world.learner.department == "Legal"


# --- cohorts/ ----------------------------------------------------------------------


def test_cohorts_list_shows_member_counts_and_squads(world, api_client):
    # given the world cohort with four members and squad Alpha, and one more squad
    SquadFactory(cohort=world.cohort, name="Beta")
    # when an HR admin lists cohorts
    listed = {c["name"]: c for c in results(api_client(world.hr_admin).get(f"{API}/cohorts/"))}
    # then each cohort shows its member count and squads
    assert listed["acme cohort"]["member_count"] == 4
    assert [s["name"] for s in listed["acme cohort"]["squads"]] == ["Alpha", "Beta"]
    assert listed["acme other"]["member_count"] == 0
    assert listed["acme other"]["squads"] == []


def test_a_learner_lists_only_their_cohorts(world, api_client):
    names = [c["name"] for c in results(api_client(world.learner).get(f"{API}/cohorts/"))]
    assert names == ["acme cohort"]


def test_cohorts_filter_by_state(world, api_client):
    CohortFactory(organization=world.org, name="Planned", state=CohortState.DRAFT)
    client = api_client(world.hr_admin)
    drafts = results(client.get(f"{API}/cohorts/", {"state": "draft"}))
    active = results(client.get(f"{API}/cohorts/", {"state": "active"}))
    assert [c["name"] for c in drafts] == ["Planned"]
    assert sorted(c["name"] for c in active) == ["acme cohort", "acme other"]


def test_cohorts_filter_with_an_unknown_state_is_a_field_message(world, api_client):
    assert_error(api_client(world.hr_admin).get(f"{API}/cohorts/", {"state": "paused"}),
                 field="state")


def test_creating_a_cohort_from_a_journey_template_copies_its_steps(world, api_client):
    # given a template with steps in weeks 1 and 2
    start = dt.date(2027, 3, 1)
    # when a facilitator creates a cohort from it
    response = api_client(world.facilitator).post(f"{API}/cohorts/", {
        "name": "Leading teams, spring", "start_date": start.isoformat(),
        "timezone": "Europe/Berlin", "journey_template": world.template.pk,
    }, format="json")
    # then the steps are copied with dates shifted to the start, the end follows the
    # template's length, and the facilitator runs it
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["slug"] == "leading-teams-spring"
    assert body["state"] == CohortState.DRAFT
    assert body["end_date"] == (start + dt.timedelta(days=7 * world.template.weeks - 1)).isoformat()
    assert body["member_count"] == 1 and body["squads"] == []
    steps = CohortStep.objects.filter(cohort_id=body["id"]).order_by("week")
    assert [(s.title, s.week, s.opens_on, s.due_on) for s in steps] == [
        ("Kick-off prompt", 1, start, start + dt.timedelta(days=6)),
        ("Second week task", 2, start + dt.timedelta(days=7), start + dt.timedelta(days=13)),
    ]
    assert CohortMembership.objects.get(cohort_id=body["id"], user=world.facilitator).role == \
        CohortRole.FACILITATOR


def test_creating_a_cohort_that_ends_before_it_starts_is_refused_on_end_date(world, api_client):
    response = api_client(world.hr_admin).post(f"{API}/cohorts/", {
        "name": "Backwards", "start_date": "2027-03-01", "end_date": "2027-02-01",
    }, format="json")
    body = assert_error(response, field="end_date")
    assert body["errors"]["end_date"] == ["The cohort must end on or after its start date."]
    assert not world.org.cohorts.filter(name="Backwards").exists()


def test_creating_a_cohort_from_another_organisations_template_is_refused(world, other_world,
                                                                          api_client):
    response = api_client(world.hr_admin).post(f"{API}/cohorts/", {
        "name": "Borrowed", "start_date": "2027-03-01", "journey_template": other_world.template.pk,
    }, format="json")
    assert_error(response, field="journey_template")


def test_a_learner_may_not_create_cohorts(world, api_client):
    response = api_client(world.learner).post(f"{API}/cohorts/", {
        "name": "Mine", "start_date": "2027-03-01"}, format="json")
    assert_error(response, status=403)


def test_changing_a_cohorts_state_records_an_event(world, api_client):
    # given a draft cohort the facilitator runs
    world.cohort.state = CohortState.DRAFT
    world.cohort.save()
    # when the facilitator activates it
    response = api_client(world.facilitator).patch(f"{API}/cohorts/{world.cohort.pk}/",
                                                   {"state": "active"}, format="json")
    # then it is active, with an event and an audit row saying so
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "active"
    assert response.json()["member_count"] == 4
    world.cohort.refresh_from_db()
    assert world.cohort.state == CohortState.ACTIVE
    event = Event.objects.get(verb="cohort_state_changed", cohort=world.cohort)
    assert event.actor == world.facilitator
    assert event.payload["changes"] == {"state": ["draft", "active"]}
    assert AuditEntry.objects.filter(action="cohort.update", target_id=str(world.cohort.pk)).exists()


def test_moving_a_cohorts_end_before_its_start_is_refused_on_end_date(world, api_client):
    before = world.cohort.start_date - dt.timedelta(days=1)
    response = api_client(world.facilitator).patch(f"{API}/cohorts/{world.cohort.pk}/",
                                                   {"end_date": before.isoformat()}, format="json")
    assert_error(response, field="end_date")


def test_a_learner_may_not_change_a_cohort(world, api_client):
    response = api_client(world.learner).patch(f"{API}/cohorts/{world.cohort.pk}/",
                                               {"name": "Hijacked"}, format="json")
    assert_error(response, status=403)
    world.cohort.refresh_from_db()
    assert world.cohort.name == "acme cohort"


# --- squads/ -----------------------------------------------------------------------


def test_squads_list_with_member_counts_filtered_by_cohort(world, api_client):
    SquadFactory(cohort=world.other_cohort, name="Elsewhere")
    response = api_client(world.hr_admin).get(f"{API}/squads/", {"cohort": world.cohort.pk})
    assert [(s["name"], s["member_count"]) for s in results(response)] == [("Alpha", 2)]


def test_facilitator_creates_renames_and_deletes_a_squad(world, api_client):
    client = api_client(world.facilitator)
    # when the facilitator creates a squad
    created = client.post(f"{API}/squads/", {"cohort": world.cohort.pk, "name": "Beta"},
                          format="json")
    # then it exists, empty
    assert created.status_code == 201, created.content
    assert created.json()["member_count"] == 0
    squad_id = created.json()["id"]
    assert Event.objects.filter(verb="squad_created", subject_id=str(squad_id)).exists()
    # when they rename it
    renamed = client.patch(f"{API}/squads/{squad_id}/", {"name": "Bravo"}, format="json")
    # then it has the new name
    assert renamed.status_code == 200 and renamed.json()["name"] == "Bravo"
    # when they delete the squad that holds the learner
    deleted = client.delete(f"{API}/squads/{world.squad.pk}/")
    # then the squad is gone and its members stay in the cohort without a squad
    assert deleted.status_code == 204
    membership = CohortMembership.objects.get(cohort=world.cohort, user=world.learner)
    assert membership.squad is None


@pytest.mark.parametrize("name", ["Alpha", "alpha"])
def test_a_second_squad_with_the_same_name_is_a_field_message(world, api_client, name):
    response = api_client(world.facilitator).post(f"{API}/squads/",
                                                  {"cohort": world.cohort.pk, "name": name},
                                                  format="json")
    body = assert_error(response, field="name")
    assert body["errors"]["name"] == ["This cohort already has a squad with that name."]


def test_a_learner_may_not_create_squads(world, api_client):
    response = api_client(world.learner).post(f"{API}/squads/",
                                              {"cohort": world.cohort.pk, "name": "Rebels"},
                                              format="json")
    assert_error(response, status=403)
    assert not Squad.objects.filter(name="Rebels").exists()


# --- memberships/ ------------------------------------------------------------------


def test_facilitator_adds_a_member_to_a_squad(world, api_client):
    # when the facilitator adds the outsider to squad Alpha as a learner
    response = api_client(world.facilitator).post(f"{API}/memberships/", {
        "cohort": world.cohort.pk, "user": world.outsider.pk, "role": "learner",
        "squad": world.squad.pk,
    }, format="json")
    # then the outsider is in the cohort and squad, and an event says so
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["user_detail"]["email"] == "outsider@acme.example"
    assert (body["role"], body["squad"]) == ("learner", world.squad.pk)
    assert CohortMembership.objects.filter(cohort=world.cohort, user=world.outsider,
                                           squad=world.squad).exists()
    assert Event.objects.filter(verb="member_added", cohort=world.cohort).exists()


def test_adding_someone_who_is_already_a_member_is_refused(world, api_client):
    response = api_client(world.facilitator).post(f"{API}/memberships/", {
        "cohort": world.cohort.pk, "user": world.learner.pk}, format="json")
    body = assert_error(response, field="user")
    assert body["errors"]["user"] == ["Learner is already in this cohort."]


def test_facilitator_moves_a_member_to_another_squad(world, api_client):
    beta = SquadFactory(cohort=world.cohort, name="Beta")
    membership = CohortMembership.objects.get(cohort=world.cohort, user=world.learner)
    response = api_client(world.facilitator).patch(f"{API}/memberships/{membership.pk}/",
                                                   {"squad": beta.pk}, format="json")
    assert response.status_code == 200, response.content
    assert (response.json()["squad"], response.json()["role"]) == (beta.pk, "learner")
    membership.refresh_from_db()
    assert membership.squad == beta
    assert Event.objects.filter(verb="member_moved_squad", cohort=world.cohort).exists()


def test_facilitator_takes_a_member_out_of_their_squad(world, api_client):
    membership = CohortMembership.objects.get(cohort=world.cohort, user=world.learner)
    response = api_client(world.facilitator).patch(f"{API}/memberships/{membership.pk}/",
                                                   {"squad": None}, format="json")
    assert response.status_code == 200 and response.json()["squad"] is None
    membership.refresh_from_db()
    assert membership.squad is None


def test_facilitator_changes_a_members_role(world, api_client):
    membership = CohortMembership.objects.get(cohort=world.cohort, user=world.learner)
    response = api_client(world.facilitator).patch(f"{API}/memberships/{membership.pk}/",
                                                   {"role": "peer_mentor"}, format="json")
    assert response.status_code == 200
    assert (response.json()["role"], response.json()["squad"]) == ("peer_mentor", world.squad.pk)
    membership.refresh_from_db()
    assert membership.role == CohortRole.PEER_MENTOR
    assert Event.objects.filter(verb="member_role_changed", cohort=world.cohort).exists()


def test_an_unknown_role_is_a_field_message(world, api_client):
    membership = CohortMembership.objects.get(cohort=world.cohort, user=world.learner)
    response = api_client(world.facilitator).patch(f"{API}/memberships/{membership.pk}/",
                                                   {"role": "boss"}, format="json")
    assert_error(response, field="role")


def test_facilitator_removes_a_member(world, api_client):
    membership = CohortMembership.objects.get(cohort=world.cohort, user=world.learner)
    response = api_client(world.facilitator).delete(f"{API}/memberships/{membership.pk}/")
    assert response.status_code == 204
    assert not CohortMembership.objects.filter(pk=membership.pk).exists()
    assert Event.objects.filter(verb="member_removed", cohort=world.cohort).exists()
    assert AuditEntry.objects.filter(action="membership.remove", target_id=str(membership.pk)).exists()


def test_adding_a_member_to_a_squad_of_another_cohort_is_refused_on_squad(world, api_client):
    # given a squad in the other cohort, which the HR admin can see
    elsewhere = SquadFactory(cohort=world.other_cohort, name="Elsewhere")
    # when the HR admin puts the outsider into the world cohort with that squad
    response = api_client(world.hr_admin).post(f"{API}/memberships/", {
        "cohort": world.cohort.pk, "user": world.outsider.pk, "squad": elsewhere.pk,
    }, format="json")
    # then the squad field says why, and nobody was added
    body = assert_error(response, field="squad")
    assert body["errors"]["squad"] == ["That squad belongs to another cohort."]
    assert not CohortMembership.objects.filter(user=world.outsider).exists()


def test_moving_a_member_to_a_squad_of_another_cohort_is_refused_on_squad(world, api_client):
    elsewhere = SquadFactory(cohort=world.other_cohort, name="Elsewhere")
    membership = CohortMembership.objects.get(cohort=world.cohort, user=world.learner)
    response = api_client(world.hr_admin).patch(f"{API}/memberships/{membership.pk}/",
                                                {"squad": elsewhere.pk}, format="json")
    assert_error(response, field="squad")
    membership.refresh_from_db()
    assert membership.squad == world.squad


def test_memberships_filter_by_cohort_and_role(world, api_client):
    MembershipFactory(cohort=world.other_cohort, user=world.outsider)
    response = api_client(world.hr_admin).get(f"{API}/memberships/",
                                              {"cohort": world.cohort.pk, "role": "learner"})
    assert [m["user_detail"]["email"] for m in results(response)] == ["learner@acme.example"]


# --- journey-templates/ ------------------------------------------------------------


def test_journey_templates_list_their_steps_in_order(world, other_world, api_client):
    JourneyStepFactory(template=world.template, week=1, day_offset=2, title="Mid-week task")
    response = api_client(world.learner).get(f"{API}/journey-templates/")
    templates = results(response)
    assert [t["name"] for t in templates] == ["acme journey"]
    assert [s["title"] for s in templates[0]["steps"]] == [
        "Kick-off prompt", "Mid-week task", "Second week task"]
    assert templates[0]["weeks"] == world.template.weeks


def test_journey_templates_are_read_only(world, api_client):
    response = api_client(world.hr_admin).post(f"{API}/journey-templates/", {"name": "New"},
                                               format="json")
    assert_error(response, status=405)


def test_journey_templates_filter_by_name(world, api_client):
    JourneyTemplateFactory(organization=world.org, name="Onboarding")
    response = api_client(world.hr_admin).get(f"{API}/journey-templates/", {"name": "Onboarding"})
    assert [t["name"] for t in results(response)] == ["Onboarding"]


# --- events/ -----------------------------------------------------------------------


def test_events_filter_by_verb(world, api_client):
    # given a squad created and a member moved
    beta = services.squad_create(actor=world.facilitator, cohort=world.cohort, name="Beta")
    membership = CohortMembership.objects.get(cohort=world.cohort, user=world.learner)
    services.membership_update(actor=world.facilitator, membership=membership, squad=beta)
    # when an HR admin asks for squad creations only
    response = api_client(world.hr_admin).get(f"{API}/events/", {"verb": "squad_created"})
    # then only that event is listed, with who did it
    events = results(response)
    assert [(e["verb"], e["actor"], e["cohort"]) for e in events] == [
        ("squad_created", world.facilitator.pk, world.cohort.pk)]
    assert events[0]["payload"] == {"squad_id": beta.pk, "name": "Beta"}


def test_a_learner_sees_only_the_events_they_caused(world, api_client):
    services.squad_create(actor=world.facilitator, cohort=world.cohort, name="Beta")
    services.user_update(actor=world.learner, user=world.learner, full_name="Lea")
    verbs = [e["verb"] for e in results(api_client(world.learner).get(f"{API}/events/"))]
    assert verbs == ["user_updated"]


# --- audit-entries/ ----------------------------------------------------------------


def test_hr_admin_reads_the_audit_log_filtered_by_action(world, api_client):
    services.squad_create(actor=world.facilitator, cohort=world.cohort, name="Beta")
    services.user_update(actor=world.hr_admin, user=world.learner, department="Legal")
    response = api_client(world.hr_admin).get(f"{API}/audit-entries/", {"action": "user.update"})
    entries = results(response)
    assert [(e["action"], e["actor"], e["target_id"]) for e in entries] == [
        ("user.update", world.hr_admin.pk, str(world.learner.pk))]
    assert entries[0]["changes"] == {"department": ["", "Legal"]}


def test_the_audit_log_is_empty_for_a_facilitator(world, api_client):
    services.squad_create(actor=world.facilitator, cohort=world.cohort, name="Beta")
    assert results(api_client(world.facilitator).get(f"{API}/audit-entries/")) == []


# --- tokens/ -----------------------------------------------------------------------


def test_creating_a_token_returns_its_key_once(world, api_client):
    client = api_client(world.learner)
    # when a learner creates a token
    response = client.post(f"{API}/tokens/", {"name": "HR dashboard sync"}, format="json")
    # then the response holds the key, which starts with the shown prefix
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["key"].startswith("plk_") and body["key"].startswith(body["prefix"])
    assert body["revoked_at"] is None
    # and neither the list nor the token itself shows the key again
    listed = client.get(f"{API}/tokens/")
    assert [t["name"] for t in results(listed)] == ["HR dashboard sync"]
    assert all("key" not in t for t in results(listed))
    assert body["key"] not in listed.content.decode()
    detail = client.get(f"{API}/tokens/{body['id']}/")
    assert "key" not in detail.json() and body["key"] not in detail.content.decode()


def test_a_token_is_stored_only_as_a_hash(world, api_client):
    key = api_client(world.learner).post(f"{API}/tokens/", {"name": "Script"},
                                         format="json").json()["key"]
    token = ApiToken.objects.get(user=world.learner)
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    stored = [str(v) for v in ApiToken.objects.filter(pk=token.pk).values().first().values()]
    assert key not in stored


def test_a_token_key_authenticates_as_its_owner(world, api_client):
    key = api_client(world.learner).post(f"{API}/tokens/", {"name": "Script"},
                                         format="json").json()["key"]
    # when a script sends the key in the Authorization header
    response = token_client(key).get(f"{API}/me/")
    # then it acts as the learner, and the token's use is recorded
    assert response.status_code == 200
    assert response.json()["email"] == "learner@acme.example"
    assert ApiToken.objects.get(user=world.learner).last_used_at is not None
    assert token_client(key, keyword="Bearer").get(f"{API}/me/").status_code == 200


def test_a_revoked_token_is_401(world, api_client):
    client = api_client(world.learner)
    created = client.post(f"{API}/tokens/", {"name": "Script"}, format="json").json()
    # when the learner revokes it
    assert client.delete(f"{API}/tokens/{created['id']}/").status_code == 204
    # then the key no longer works and the list shows it revoked
    assert_error(token_client(created["key"]).get(f"{API}/me/"), status=401)
    assert results(client.get(f"{API}/tokens/"))[0]["revoked_at"] is not None


def test_an_unknown_token_is_401(db):
    assert_error(token_client("plk_not-a-real-key").get(f"{API}/me/"), status=401)


def test_a_token_needs_a_name(world, api_client):
    client = api_client(world.learner)
    assert_error(client.post(f"{API}/tokens/", {}, format="json"), field="name")
    assert_error(client.post(f"{API}/tokens/", {"name": "   "}, format="json"), field="name")
    assert not ApiToken.objects.exists()


def test_nobody_sees_or_revokes_someone_elses_token(world, api_client):
    created = api_client(world.learner).post(f"{API}/tokens/", {"name": "Mine"},
                                             format="json").json()
    other = api_client(world.hr_admin)
    assert results(other.get(f"{API}/tokens/")) == []
    assert_error(other.delete(f"{API}/tokens/{created['id']}/"), status=404)
    assert ApiToken.objects.get(pk=created["id"]).revoked_at is None


def test_facilitator_arranges_unplaced_members_into_squads_over_the_api(world, api_client):
    from tests.factories import MembershipFactory

    for _ in range(4):
        MembershipFactory(cohort=world.cohort)
    client = api_client(world.facilitator)
    response = client.post(f"/api/v1/cohorts/{world.cohort.pk}/arrange-squads/", {"squad_size": 3},
                           format="json")
    assert response.status_code == 200, response.json()
    assert response.json() == {"placed": 4, "squads_created": 1}
    bad = client.post(f"/api/v1/cohorts/{world.cohort.pk}/arrange-squads/", {"squad_size": 30},
                      format="json")
    assert bad.status_code == 400 and "squad_size" in bad.json()["errors"]
    assert api_client(world.learner).post(
        f"/api/v1/cohorts/{world.cohort.pk}/arrange-squads/", {}, format="json").status_code == 403


def test_a_user_who_may_not_change_a_cohort_hears_forbidden_before_any_input_check(world, api_client):
    response = api_client(world.analyst).patch(
        f"/api/v1/cohorts/{world.cohort.pk}/", {"end_date": "not a date"}, format="json")
    assert response.status_code == 403
    assert response.json()["errors"] == {}


@pytest.mark.parametrize("value", ["0002-07-17T15:49:47+18:23", "0001-01-01T00:00:00+00:30",
                                   "1899-12-31T23:00:00Z"])
def test_date_time_filters_outside_what_the_database_stores_are_a_field_message(world, api_client, value):
    response = api_client(world.hr_admin).get("/api/v1/events/", {"occurred_after": value})
    assert response.status_code == 400
    assert "occurred_after" in response.json()["errors"]


def test_date_time_filters_with_offsets_work(world, api_client):
    response = api_client(world.hr_admin).get("/api/v1/audit-entries/",
                                              {"created_after": "2020-01-01T10:00:00+05:30"})
    assert response.status_code == 200


def test_tokens_filter_by_revoked(world, api_client):
    from core import services as core_services

    core_services.api_token_create(actor=world.learner, name="kept")
    gone, _ = core_services.api_token_create(actor=world.learner, name="gone")
    core_services.api_token_revoke(actor=world.learner, token=gone)
    client = api_client(world.learner)

    def names(revoked):
        return [t["name"] for t in client.get("/api/v1/tokens/", {"revoked": revoked}).json()["results"]]

    assert names("true") == ["gone"]
    assert names("false") == ["kept"]

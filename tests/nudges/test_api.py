"""The nudges REST API: rules (with preview), the delivery log with approve/skip,
my preferences, and peer reminders."""

from __future__ import annotations

import pytest
from django.utils import timezone

from core.models import AuditEntry
from nudges.models import (
    Channel,
    LearnerDeliverySettings,
    Message,
    MessageState,
    NudgeRule,
    Topic,
    TopicPreference,
)
from tests.nudges.test_pages import a_rule, classmates, proposed

pytestmark = pytest.mark.django_db

API = "/api/v1/"


# --- rules -----------------------------------------------------------------------------------


def test_a_facilitator_lists_own_and_organisation_wide_rules(world, other_world, api_client):
    own, org_wide = a_rule(world, name="Own"), a_rule(world, name="Everyone", cohort=None)
    a_rule(world, name="Other cohort", cohort=world.other_cohort)
    a_rule(other_world, name="Globex")
    body = api_client(world.facilitator).get(f"{API}nudge-rules/").json()
    assert sorted(r["name"] for r in body["results"]) == sorted([own.name, org_wide.name])


def test_a_facilitator_creates_and_changes_a_rule(world, api_client):
    client = api_client(world.facilitator)
    response = client.post(f"{API}nudge-rules/", {
        "cohort": world.cohort.pk, "name": "Five quiet days", "trigger": "inactive", "days": 5,
        "subject": "{{ cohort }} misses you", "body_text": "Hi {{ first_name }}: {{ link }}",
        "squad": world.squad.pk, "mode": "approval"}, format="json")
    assert response.status_code == 201, response.json()
    rule = NudgeRule.objects.get(pk=response.json()["id"])
    assert (rule.cohort, rule.squad, rule.days, rule.send_email, rule.send_in_app) == (
        world.cohort, world.squad, 5, True, True)
    response = client.patch(f"{API}nudge-rules/{rule.pk}/", {"days": 8, "send_email": False}, format="json")
    assert response.status_code == 200 and response.json()["days"] == 8
    assert AuditEntry.objects.filter(action="nudges.rule_update", target_id=str(rule.pk)).exists()


@pytest.mark.parametrize("change, field", [
    ({"body_text": "Hi {% if %}"}, "body_text"),
    ({"subject": ""}, "subject"),
    ({"send_email": False, "send_in_app": False}, "send_email"),
    ({"days": 0}, "days"),
    ({"trigger": "whenever"}, "trigger"),
])
def test_bad_rule_input_is_a_400_naming_the_field(world, api_client, change, field):
    rule = a_rule(world)
    response = api_client(world.facilitator).patch(f"{API}nudge-rules/{rule.pk}/", change, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_a_squad_of_another_cohort_is_refused(world, api_client):
    from tests.factories import SquadFactory

    rule = a_rule(world)
    squad = SquadFactory(cohort=world.other_cohort)
    response = api_client(world.facilitator).patch(f"{API}nudge-rules/{rule.pk}/", {"squad": squad.pk},
                                                   format="json")
    assert response.status_code == 400 and "squad" in response.json()["errors"]


def test_rules_of_cohorts_not_run_are_read_only_or_invisible(world, other_world, api_client):
    org_wide = a_rule(world, cohort=None)
    other = a_rule(world, cohort=world.other_cohort)
    client = api_client(world.facilitator)
    assert client.patch(f"{API}nudge-rules/{org_wide.pk}/", {"days": 3}, format="json").status_code == 403
    assert client.patch(f"{API}nudge-rules/{other.pk}/", {"days": 3}, format="json").status_code == 404
    new = {"name": "x", "trigger": "inactive", "subject": "s", "body_text": "b"}
    # A cohort they cannot see is like one that does not exist; one they only belong to is forbidden.
    response = client.post(f"{API}nudge-rules/", {**new, "cohort": world.other_cohort.pk}, format="json")
    assert response.status_code == 400 and "cohort" in response.json()["errors"]
    response = api_client(world.learner).post(f"{API}nudge-rules/", {**new, "cohort": world.cohort.pk},
                                              format="json")
    assert response.status_code == 403
    assert api_client(other_world.hr_admin).get(f"{API}nudge-rules/{org_wide.pk}/").status_code == 404
    assert api_client(world.learner).get(f"{API}nudge-rules/").json()["results"] == []


def test_delete_switches_a_rule_off(world, api_client):
    rule = a_rule(world)
    assert api_client(world.facilitator).delete(f"{API}nudge-rules/{rule.pk}/").status_code == 204
    rule.refresh_from_db()
    assert rule.is_active is False


def test_the_preview_renders_for_a_learner_of_the_audience_only(world, other_world, api_client):
    rule = a_rule(world)
    client = api_client(world.facilitator)
    body = client.get(f"{API}nudge-rules/{rule.pk}/preview/", {"learner": world.learner.pk}).json()
    assert body["subject"] == "acme cohort misses you" and body["learner"] == "Learner"
    for learner in (other_world.learner.pk, "x", ""):
        response = client.get(f"{API}nudge-rules/{rule.pk}/preview/", {"learner": learner})
        assert response.status_code == 400 and "learner" in response.json()["errors"]


# --- the delivery log and the approval queue ---------------------------------------------------


def test_the_log_is_scoped_and_filtered(world, other_world, api_client):
    proposed(world, world.learner, state=MessageState.SENT, subject="Mine", sent_at=timezone.now())
    stranger = classmates(world, 1, cohort=world.other_cohort)[0]
    proposed(world, stranger, cohort=world.other_cohort, state=MessageState.FAILED, subject="Theirs")
    proposed(other_world, other_world.learner, state=MessageState.SENT, subject="Globex")

    def subjects(user, **params):
        results = api_client(user).get(f"{API}nudge-messages/", params).json()["results"]
        return sorted(m["subject"] for m in results)

    assert subjects(world.learner) == ["Mine"]
    assert subjects(world.facilitator) == ["Mine"]
    assert subjects(world.hr_admin) == ["Mine", "Theirs"]
    assert subjects(world.hr_admin, state="failed") == ["Theirs"]
    assert subjects(world.hr_admin, cohort=world.cohort.pk) == ["Mine"]
    assert subjects(world.peer_mentor) == []
    response = api_client(world.hr_admin).get(f"{API}nudge-messages/", {"cohort": other_world.cohort.pk})
    assert response.status_code == 400
    response = api_client(world.hr_admin).get(f"{API}nudge-messages/", {"topic": "nonsense"})
    assert response.status_code == 400


def test_approve_and_skip_through_the_api(world, api_client):
    first = proposed(world, world.learner, channels=(Channel.EMAIL, Channel.IN_APP))[0]
    second = proposed(world, world.peer_mentor)[0]
    client = api_client(world.facilitator)
    response = client.post(f"{API}nudge-messages/approve/", {
        "groups": [first.group], "edits": {first.group: {"subject": "See you Thursday"}}}, format="json")
    assert response.status_code == 200 and response.json() == {"decided": 1}
    assert set(Message.objects.filter(group=first.group).values_list("state", "subject")) == {
        ("queued", "See you Thursday")}
    assert client.post(f"{API}nudge-messages/skip/", {"groups": [second.group]}, format="json").json() == {
        "decided": 1}
    assert Message.objects.get(pk=second.pk).state == MessageState.SKIPPED


def test_approving_others_or_nothing_is_a_400(world, other_world, api_client):
    nudge = proposed(world, world.learner)[0]
    for user in (world.learner, other_world.facilitator):
        response = api_client(user).post(f"{API}nudge-messages/approve/", {"groups": [nudge.group]},
                                         format="json")
        assert response.status_code == 400 and "groups" in response.json()["errors"]
    response = api_client(world.facilitator).post(f"{API}nudge-messages/approve/", {"groups": "x"},
                                                  format="json")
    assert response.status_code == 400
    response = api_client(world.facilitator).post(f"{API}nudge-messages/approve/", {
        "groups": [nudge.group], "edits": {nudge.group: {"subject": " "}}}, format="json")
    assert response.status_code == 400 and "subject" in response.json()["errors"]
    assert Message.objects.get(pk=nudge.pk).state == MessageState.PROPOSED


# --- preferences ---------------------------------------------------------------------------------


def test_preferences_read_and_change(world, api_client):
    client = api_client(world.learner)
    body = client.get(f"{API}nudge-preferences/").json()
    assert len(body["preferences"]) == len(Topic.values) * len(Channel.values)
    assert all(row["enabled"] for row in body["preferences"]) and body["quiet_start"] is None
    response = client.patch(f"{API}nudge-preferences/", {
        "preferences": [{"topic": "digest", "channel": "email", "enabled": False}],
        "quiet_start": 21, "quiet_end": 7}, format="json")
    assert response.status_code == 200
    assert TopicPreference.objects.get(user=world.learner).enabled is False
    # PATCH leaves the rest; PUT replaces all (left-out switches on, quiet hours cleared).
    client.patch(f"{API}nudge-preferences/", {"preferences": [
        {"topic": "peer", "channel": "in_app", "enabled": False}]}, format="json")
    assert TopicPreference.objects.filter(user=world.learner, enabled=False).count() == 2
    assert LearnerDeliverySettings.objects.get(user=world.learner).quiet_start == 21
    body = client.put(f"{API}nudge-preferences/", {"preferences": []}, format="json").json()
    assert all(row["enabled"] for row in body["preferences"]) and body["quiet_start"] is None


@pytest.mark.parametrize("payload, field", [
    ({"quiet_start": 21}, "quiet_end"),
    ({"quiet_start": 30, "quiet_end": 2}, "quiet_start"),
    ({"preferences": [{"topic": "nope", "channel": "email", "enabled": False}]}, "preferences.0.topic"),
])
def test_bad_preferences_are_a_400(world, api_client, payload, field):
    response = api_client(world.learner).patch(f"{API}nudge-preferences/", payload, format="json")
    assert response.status_code == 400 and field in response.json()["errors"]


def test_preferences_need_a_sign_in(api_client, db):
    assert api_client().get(f"{API}nudge-preferences/").status_code in (401, 403)


# --- peer reminders --------------------------------------------------------------------------------


def test_peer_reminders_are_sent_and_rate_limited(world, other_world, api_client):
    client = api_client(world.learner)
    data = {"cohort": world.cohort.pk, "recipient": world.peer_mentor.pk, "note": "our review"}
    response = client.post(f"{API}peer-reminders/", data, format="json")
    assert response.status_code == 201 and sorted(response.json()["channels"]) == ["email", "in_app"]
    response = client.post(f"{API}peer-reminders/", data, format="json")
    assert response.status_code == 400 and "recipient" in response.json()["errors"]
    response = client.post(f"{API}peer-reminders/", {**data, "recipient": other_world.learner.pk},
                           format="json")
    assert response.status_code == 400 and "recipient" in response.json()["errors"]
    response = client.post(f"{API}peer-reminders/", {**data, "recipient": world.expert.pk, "note": " "},
                           format="json")
    assert response.status_code == 400 and "note" in response.json()["errors"]
    listed = client.get(f"{API}peer-reminders/").json()["results"]
    assert [(r["recipient"], r["state"]) for r in listed] == [(world.peer_mentor.pk, "queued")]
    assert api_client(world.peer_mentor).get(f"{API}peer-reminders/").json()["results"] == []


# --- query counts ---------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [2, 40])
def test_api_lists_cost_the_same_queries_at_any_size(world, api_client, size, django_assert_max_num_queries):
    for index, person in enumerate(classmates(world, size)):
        rule = a_rule(world, name=f"Rule {index}")
        proposed(world, person, rule=rule, state=MessageState.SENT, channels=(Channel.EMAIL, Channel.IN_APP))
    client = api_client(world.hr_admin)
    # the HR admin "sent" them all, to fill the list of reminders sent as well
    Message.objects.update(sender=world.hr_admin, topic=Topic.PEER)
    for path in ("nudge-messages/", "nudge-rules/", "nudge-preferences/", "peer-reminders/"):
        with django_assert_max_num_queries(8):
            assert client.get(f"{API}{path}").status_code == 200

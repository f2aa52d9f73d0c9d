"""The nudges portal pages: my preferences, one-click unsubscribe, the facilitator's
approval queue, rules with a live preview, the delivery log and peer reminders."""

from __future__ import annotations

import uuid

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cohorts.models import CohortRole
from core.models import AuditEntry
from nudges import services
from nudges.models import (
    Channel,
    LearnerDeliverySettings,
    Message,
    MessageState,
    Mode,
    NudgeRule,
    Topic,
    TopicPreference,
    Trigger,
)
from tests.factories import MembershipFactory, SquadFactory

pytestmark = pytest.mark.django_db


def a_rule(world, **fields) -> NudgeRule:
    values = {"organization": world.org, "code": f"rule-{uuid.uuid4().hex[:6]}",
              "name": "Inactive for a week", "trigger": Trigger.INACTIVE, "cohort": world.cohort,
              "subject": "{{ cohort }} misses you", "mode": Mode.APPROVAL,
              "body_text": "Hi {{ first_name }}, come back to {{ cohort }}: {{ link }}"}
    return NudgeRule.objects.create(**{**values, **fields})


def proposed(world, user, *, cohort=None, rule=None, state=MessageState.PROPOSED, channels=(Channel.EMAIL,),
             subject="Acme cohort misses you", **fields) -> list[Message]:
    """One nudge (a group) to `user` on each of `channels`, as the evaluation writes it."""
    cohort = cohort or world.cohort
    group = f"rule:{rule.pk if rule else 0}:{user.pk}:{uuid.uuid4().hex[:8]}"
    return [Message.objects.create(organization=cohort.organization, cohort=cohort, user=user, rule=rule,
                                   topic=Topic.INACTIVE, channel=channel, key=f"{group}:{channel}",
                                   group=group, state=state, subject=subject,
                                   body_text=f"Hi {user.full_name}, come back.", **fields)
            for channel in channels]


def classmates(world, count: int, cohort=None):
    return [MembershipFactory(cohort=cohort or world.cohort, role=CohortRole.LEARNER).user
            for _ in range(count)]


# --- preferences -------------------------------------------------------------------------


def test_preferences_show_every_topic_and_channel_switched_on_by_default(world, portal_client):
    response = portal_client(world.learner).get(reverse("nudges:preferences"))
    assert response.status_code == 200
    page = response.content.decode()
    for _, label in Topic.choices:
        assert label in page
    assert page.count('type="checkbox"') == len(Topic.values) * len(Channel.values)
    assert page.count("checked") == len(Topic.values) * len(Channel.values)


def test_a_learner_switches_off_the_digest_email_and_sets_quiet_hours(world, portal_client):
    client = portal_client(world.learner)
    data = {f"{t}__{c}": "on" for t in Topic.values for c in Channel.values}
    del data["digest__email"]
    response = client.post(reverse("nudges:preferences"), {**data, "quiet_start": "21", "quiet_end": "7"},
                           follow=True)
    assert "Your nudge preferences are saved." in response.content.decode()
    rows = TopicPreference.objects.filter(user=world.learner).values_list("topic", "channel", "enabled")
    assert list(rows) == [("digest", "email", False)]
    quiet = LearnerDeliverySettings.objects.get(user=world.learner)
    assert (quiet.quiet_start, quiet.quiet_end) == (21, 7)
    # The page now shows the digest email off, everything else on.
    page = client.get(reverse("nudges:preferences")).content.decode()
    assert page.count("checked") == len(Topic.values) * len(Channel.values) - 1


def test_half_given_quiet_hours_are_refused_and_the_switches_kept(world, portal_client):
    client = portal_client(world.learner)
    response = client.post(reverse("nudges:preferences"), {"peer__in_app": "on", "quiet_start": "22"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Give both ends of your quiet hours, or neither." in page
    assert page.count("checked") == 1  # only what was ticked
    assert '<option value="22" selected>' in page
    assert not TopicPreference.objects.filter(user=world.learner).exists()


def test_preferences_need_a_sign_in(world, client):
    response = client.get(reverse("nudges:preferences"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- unsubscribe ------------------------------------------------------------------------


def test_the_unsubscribe_link_asks_first_then_switches_off_one_kind(world):
    token = services.unsubscribe_token(world.learner, Topic.REVIEW_DUE, Channel.EMAIL)
    client = Client(enforce_csrf_checks=True)  # a mail client: no session, no CSRF cookie
    url = reverse("nudges:unsubscribe", args=[token])
    page = client.get(url).content.decode()
    assert "Peer reviews due soon" in page.replace("peer reviews", "Peer reviews")
    assert "l***@acme.example" in page
    assert not TopicPreference.objects.exists()

    response = client.post(url, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert "You are unsubscribed" in response.content.decode()
    assert reverse("nudges:preferences") in response.content.decode()
    row = TopicPreference.objects.get(user=world.learner)
    assert (row.topic, row.channel, row.enabled) == (Topic.REVIEW_DUE, Channel.EMAIL, False)
    # Repeating it (the mail client retries) changes nothing and still succeeds.
    assert client.post(url, "List-Unsubscribe=One-Click",
                       content_type="application/x-www-form-urlencoded").status_code == 200
    assert TopicPreference.objects.filter(user=world.learner).count() == 1


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_broken_unsubscribe_link_is_a_clear_400(world, method):
    token = services.unsubscribe_token(world.learner, Topic.DIGEST, Channel.EMAIL)
    response = getattr(Client(), method)(reverse("nudges:unsubscribe", args=[token[:-4] + "abcd"]))
    assert response.status_code == 400
    assert "This unsubscribe link is not valid" in response.content.decode()
    assert not TopicPreference.objects.exists()


# --- approvals -------------------------------------------------------------------------


def test_the_facilitator_sees_one_row_per_proposed_nudge_of_their_cohorts_only(world, portal_client):
    rule = a_rule(world)
    mine = proposed(world, world.learner, rule=rule, channels=(Channel.EMAIL, Channel.IN_APP))
    stranger = classmates(world, 1, cohort=world.other_cohort)[0]
    proposed(world, stranger, cohort=world.other_cohort, subject="Other cohort nudge")
    proposed(world, world.peer_mentor, state=MessageState.QUEUED, subject="Already queued")
    page = portal_client(world.facilitator).get(reverse("nudges:approvals")).content.decode()
    assert page.count('data-testid="proposal"') == 1
    assert f'data-group="{mine[0].group}"' in page
    assert "Learner" in page and rule.name in page and "Acme cohort misses you" in page
    assert "Other cohort nudge" not in page and "Already queued" not in page


def test_approve_selected_queues_every_channel_of_the_chosen_nudges(world, portal_client):
    first = proposed(world, world.learner, channels=(Channel.EMAIL, Channel.IN_APP))
    second = proposed(world, world.peer_mentor)
    response = portal_client(world.facilitator).post(reverse("nudges:approvals"),
                                                     {"action": "approve", "groups": [first[0].group]},
                                                     follow=True)
    assert "Approved 1 nudge" in response.content.decode()
    assert set(Message.objects.filter(group=first[0].group).values_list("state", flat=True)) == {"queued"}
    assert Message.objects.get(pk=second[0].pk).state == MessageState.PROPOSED
    assert response.content.decode().count('data-testid="proposal"') == 1


def test_skip_selected_and_the_audit_log(world, portal_client):
    nudges = [proposed(world, person)[0] for person in (world.learner, world.peer_mentor)]
    response = portal_client(world.facilitator).post(
        reverse("nudges:approvals"), {"action": "skip", "groups": [m.group for m in nudges]}, follow=True)
    assert "Skipped 2 nudges" in response.content.decode()
    assert set(Message.objects.values_list("state", flat=True)) == {"skipped"}
    assert AuditEntry.objects.filter(action="nudge.skip", actor=world.facilitator).count() == 2
    assert 'data-testid="no-proposals"' in response.content.decode()


def test_an_edited_nudge_is_approved_with_the_new_text(world, portal_client):
    nudge = proposed(world, world.learner)[0]
    portal_client(world.facilitator).post(reverse("nudges:approvals"), {
        "action": "edit", "group": nudge.group, "subject": "We saved you a seat",
        "body_text": "Hi Learner, your squad meets on Thursday."})
    nudge.refresh_from_db()
    assert (nudge.state, nudge.subject, nudge.body_text) == (
        MessageState.QUEUED, "We saved you a seat", "Hi Learner, your squad meets on Thursday.")


def test_an_edit_without_a_subject_is_refused_and_the_text_kept(world, portal_client):
    nudge = proposed(world, world.learner)[0]
    response = portal_client(world.facilitator).post(reverse("nudges:approvals"), {
        "action": "edit", "group": nudge.group, "subject": "  ", "body_text": "My careful rewrite"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "A nudge needs a subject." in page
    assert "My careful rewrite" in page
    assert Message.objects.get(pk=nudge.pk).state == MessageState.PROPOSED


def test_approving_nothing_says_so(world, portal_client):
    response = portal_client(world.facilitator).post(reverse("nudges:approvals"), {"action": "approve"},
                                                     follow=True)
    assert "Choose at least one nudge." in response.content.decode()


def test_nudges_of_a_cohort_the_facilitator_does_not_run_cannot_be_decided(world, portal_client):
    stranger = classmates(world, 1, cohort=world.other_cohort)[0]
    nudge = proposed(world, stranger, cohort=world.other_cohort)[0]
    response = portal_client(world.facilitator).post(
        reverse("nudges:approvals"), {"action": "approve", "groups": [nudge.group]}, follow=True)
    assert "Choose at least one nudge." in response.content.decode()
    assert Message.objects.get(pk=nudge.pk).state == MessageState.PROPOSED


def test_the_queue_filters_by_cohort_for_hr_admins(world, portal_client):
    stranger = classmates(world, 1, cohort=world.other_cohort)[0]
    proposed(world, stranger, cohort=world.other_cohort, subject="Other cohort nudge")
    proposed(world, world.learner, subject="Own cohort nudge")
    client = portal_client(world.hr_admin)
    page = client.get(reverse("nudges:approvals")).content.decode()
    assert "Other cohort nudge" in page and "Own cohort nudge" in page
    page = client.get(reverse("nudges:approvals"), {"cohort": world.other_cohort.pk}).content.decode()
    assert "Other cohort nudge" in page and "Own cohort nudge" not in page


@pytest.mark.parametrize("role", ["learner", "peer_mentor", "expert", "outsider", "analyst"])
def test_people_who_run_no_cohort_have_no_approval_queue(world, portal_client, role):
    proposed(world, world.learner)
    assert portal_client(world.person(role)).get(reverse("nudges:approvals")).status_code == 403


def test_another_organisations_facilitator_sees_nothing_of_ours(world, other_world, portal_client):
    nudge = proposed(world, world.learner)[0]
    client = portal_client(other_world.facilitator)
    assert nudge.group not in client.get(reverse("nudges:approvals")).content.decode()
    client.post(reverse("nudges:approvals"), {"action": "skip", "groups": [nudge.group]})
    assert Message.objects.get(pk=nudge.pk).state == MessageState.PROPOSED


@pytest.mark.parametrize("size", [2, 30])
def test_the_approval_queue_costs_the_same_queries_at_any_size(world, client, size,
                                                                django_assert_max_num_queries):
    rule = a_rule(world)
    for person in classmates(world, size):
        proposed(world, person, rule=rule, channels=(Channel.EMAIL, Channel.IN_APP))
    client.force_login(world.facilitator)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("nudges:approvals"))
    assert response.content.decode().count('data-testid="proposal"') == size


# --- rules ---------------------------------------------------------------------------------


def rule_form(world, **fields) -> dict:
    return {"cohort": world.cohort.pk, "name": "Quiet for five days", "trigger": "inactive", "days": "5",
            "hours_before": "24", "squad": "", "role": "learner", "subject": "{{ cohort }} misses you",
            "body_text": "Hi {{ first_name }}, pick up where you left off: {{ link }}", "body_html": "",
            "send_email": "on", "send_in_app": "on", "mode": "approval", "is_active": "on", **fields}


def test_a_facilitator_makes_a_rule_for_their_cohort(world, portal_client):
    response = portal_client(world.facilitator).post(reverse("nudges:rule_new"), rule_form(world),
                                                     follow=True)
    rule = NudgeRule.objects.get(name="Quiet for five days")
    assert (rule.cohort, rule.days, rule.mode, rule.organization) == (world.cohort, 5, "approval", world.org)
    assert response.redirect_chain[-1][0] == reverse("nudges:rule_edit", args=[rule.pk])
    assert "is saved" in response.content.decode()
    assert AuditEntry.objects.filter(action="nudges.rule_create", target_id=str(rule.pk)).exists()


def test_a_template_error_is_shown_and_the_text_kept(world, portal_client):
    response = portal_client(world.facilitator).post(reverse("nudges:rule_new"), rule_form(
        world, body_text="Hi {{ first_name }, see {% if %}"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "The template has an error" in page
    assert "Hi {{ first_name }, see {% if %}" in page
    assert not NudgeRule.objects.filter(name="Quiet for five days").exists()


def test_a_rule_needs_a_channel_and_a_squad_of_its_cohort(world, portal_client):
    foreign_squad = SquadFactory(cohort=world.other_cohort, name="Elsewhere")
    form = rule_form(world, squad=str(foreign_squad.pk))
    del form["send_email"], form["send_in_app"]
    page = portal_client(world.facilitator).post(reverse("nudges:rule_new"), form).content.decode()
    assert "Choose a squad of the cohort." in page
    form["squad"] = str(world.squad.pk)
    page = portal_client(world.facilitator).post(reverse("nudges:rule_new"), form).content.decode()
    assert "Choose at least one channel" in page
    assert not NudgeRule.objects.filter(name="Quiet for five days").exists()


def test_a_facilitator_cannot_aim_a_rule_at_a_cohort_they_do_not_run(world, portal_client):
    page = portal_client(world.facilitator).post(
        reverse("nudges:rule_new"), rule_form(world, cohort=world.other_cohort.pk)).content.decode()
    assert "Choose a cohort you run." in page
    assert not NudgeRule.objects.filter(name="Quiet for five days").exists()


def test_the_rule_list_shows_own_and_organisation_wide_rules_and_edits_only_own(world, portal_client):
    own = a_rule(world, name="Our cohort rule")
    org_wide = a_rule(world, name="House rule for everyone", cohort=None)
    other = a_rule(world, name="Other cohort rule", cohort=world.other_cohort)
    client = portal_client(world.facilitator)
    page = client.get(reverse("nudges:rules")).content.decode()
    assert own.name in page and org_wide.name in page and other.name not in page
    assert "read-only" in page
    edit = client.get(reverse("nudges:rule_edit", args=[org_wide.pk])).content.decode()
    assert "Save rule" not in edit and "disabled" in edit
    assert client.post(reverse("nudges:rule_edit", args=[org_wide.pk]), rule_form(world)).status_code == 403
    assert client.get(reverse("nudges:rule_edit", args=[other.pk])).status_code == 404


def test_a_facilitator_edits_and_switches_off_their_rule(world, portal_client):
    rule = a_rule(world)
    client = portal_client(world.facilitator)
    form = rule_form(world, name="Renamed", days="9")
    del form["cohort"]
    client.post(reverse("nudges:rule_edit", args=[rule.pk]), form)
    rule.refresh_from_db()
    assert (rule.name, rule.days) == ("Renamed", 9)
    client.post(reverse("nudges:rule_deactivate", args=[rule.pk]))
    rule.refresh_from_db()
    assert rule.is_active is False
    assert AuditEntry.objects.filter(action="nudges.rule_update", target_id=str(rule.pk)).count() == 2


def test_the_editor_lists_the_variables_and_the_cohorts_learners(world, portal_client):
    rule = a_rule(world)
    page = portal_client(world.facilitator).get(reverse("nudges:rule_edit", args=[rule.pk])).content.decode()
    assert "first_name" in page and "The learner&#x27;s first name" in page
    assert f'<option value="{world.learner.pk}">Learner</option>' in page
    assert reverse("nudges:rule_preview", args=[rule.pk]) in page


def test_the_preview_renders_the_message_for_a_real_learner(world, portal_client):
    rule = a_rule(world)
    client = portal_client(world.facilitator)
    url = reverse("nudges:rule_preview", args=[rule.pk])
    partial = client.get(url, {"learner": world.learner.pk}, HTTP_HX_REQUEST="true")
    body = partial.content.decode()
    assert partial.status_code == 200 and "<html" not in body
    assert "acme cohort misses you" in body and "Hi Learner, come back to acme cohort" in body
    # Unsaved edits in the editor are previewed as typed; a syntax error is said, not a 500.
    body = client.get(url, {"learner": world.learner.pk, "subject": "Hello {{ first_name }}"},
                      HTTP_HX_REQUEST="true").content.decode()
    assert "Hello Learner" in body
    body = client.get(url, {"learner": world.learner.pk, "subject": "Hello {% if %}"}).content.decode()
    assert "The template has an error" in body
    rule.refresh_from_db()
    assert rule.subject == "{{ cohort }} misses you"


def test_the_preview_refuses_someone_outside_the_audience(world, other_world, portal_client):
    rule = a_rule(world)
    client = portal_client(world.facilitator)
    url = reverse("nudges:rule_preview", args=[rule.pk])
    for person in (other_world.learner, world.outsider):
        body = client.get(url, {"learner": person.pk}).content.decode()
        assert "Choose a learner of the rule" in body and person.full_name not in body.split("Preview")[-1]


@pytest.mark.parametrize("role", ["learner", "peer_mentor", "expert", "outsider"])
def test_members_without_staff_roles_see_no_rules(world, portal_client, role):
    rule = a_rule(world)
    client = portal_client(world.person(role))
    assert client.get(reverse("nudges:rules")).status_code == 403
    assert client.get(reverse("nudges:rule_edit", args=[rule.pk])).status_code == 404
    assert client.get(reverse("nudges:rule_new")).status_code == 403


def test_another_organisations_rule_is_a_404(world, other_world, portal_client):
    rule = a_rule(world)
    client = portal_client(other_world.facilitator)
    assert client.get(reverse("nudges:rule_edit", args=[rule.pk])).status_code == 404
    assert client.get(reverse("nudges:rule_preview", args=[rule.pk]), {"learner": world.learner.pk}
                      ).status_code == 404
    assert client.post(reverse("nudges:rule_deactivate", args=[rule.pk])).status_code == 404


# --- the delivery log --------------------------------------------------------------------------


def test_the_log_shows_the_facilitators_cohorts_with_failures_explained(world, portal_client):
    proposed(world, world.learner, state=MessageState.SENT, subject="Sent to learner",
             sent_at=timezone.now())
    proposed(world, world.peer_mentor, state=MessageState.FAILED, subject="Bounced one", attempts=5,
             last_error="550 mailbox unavailable")
    stranger = classmates(world, 1, cohort=world.other_cohort)[0]
    proposed(world, stranger, cohort=world.other_cohort, state=MessageState.SENT, subject="Elsewhere")
    page = portal_client(world.facilitator).get(reverse("nudges:log")).content.decode()
    assert "Sent to learner" in page and "Bounced one" in page and "Elsewhere" not in page
    assert "5 attempts: 550 mailbox unavailable" in page


def test_the_log_filters_by_state_topic_channel_and_cohort(world, portal_client):
    proposed(world, world.learner, state=MessageState.SENT, subject="Email sent", channels=(Channel.EMAIL,))
    proposed(world, world.learner, state=MessageState.SUPPRESSED, subject="In-app suppressed",
             channels=(Channel.IN_APP,), reason="Turned off in the learner's preferences")
    stranger = classmates(world, 1, cohort=world.other_cohort)[0]
    proposed(world, stranger, cohort=world.other_cohort, state=MessageState.SENT, subject="Other cohort sent")
    client = portal_client(world.hr_admin)
    url = reverse("nudges:log")
    page = client.get(url, {"state": "suppressed"}).content.decode()
    assert "In-app suppressed" in page and "Email sent" not in page
    assert "Turned off in the learner&#x27;s preferences" in page
    page = client.get(url, {"channel": "email"}).content.decode()
    assert "Email sent" in page and "In-app suppressed" not in page
    page = client.get(url, {"cohort": world.other_cohort.pk}).content.decode()
    assert "Other cohort sent" in page and "Email sent" not in page
    page = client.get(url, {"topic": "digest"}).content.decode()
    assert "No messages match these filters" in page


@pytest.mark.parametrize("role", ["learner", "peer_mentor", "expert", "outsider"])
def test_members_without_staff_roles_have_no_log(world, portal_client, role):
    assert portal_client(world.person(role)).get(reverse("nudges:log")).status_code == 403


def test_another_organisations_log_is_not_shown(world, other_world, portal_client):
    proposed(world, world.learner, state=MessageState.SENT, subject="Acme only")
    page = portal_client(other_world.hr_admin).get(reverse("nudges:log")).content.decode()
    assert "Acme only" not in page


@pytest.mark.parametrize("size", [2, 40])
def test_the_log_costs_the_same_queries_at_any_size(world, client, size, django_assert_max_num_queries):
    rule = a_rule(world)
    for person in classmates(world, size):
        proposed(world, person, rule=rule, state=MessageState.FAILED, attempts=5, last_error="timeout",
                 channels=(Channel.EMAIL, Channel.IN_APP))
        proposed(world, person, state=MessageState.SENT, sender=world.learner, sent_at=timezone.now())
    client.force_login(world.facilitator)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("nudges:log"))
    assert response.status_code == 200


# --- peer reminders -------------------------------------------------------------------------


def test_a_learner_reminds_a_peer(world, portal_client):
    client = portal_client(world.learner)
    page = client.get(reverse("nudges:remind"), {"cohort": world.cohort.pk, "to": world.peer_mentor.pk}
                      ).content.decode()
    assert f'<option value="{world.peer_mentor.pk}" selected>' in page
    response = client.post(reverse("nudges:remind"), {
        "cohort": world.cohort.pk, "recipient": world.peer_mentor.pk, "note": "our review of the case study"},
        follow=True)
    assert "Your reminder is on its way to Mentor." in response.content.decode()
    sent = Message.objects.filter(user=world.peer_mentor, sender=world.learner, topic=Topic.PEER)
    assert sorted(sent.values_list("channel", flat=True)) == ["email", "in_app"]
    assert "our review of the case study" in sent.first().body_text


def test_a_second_reminder_the_same_day_is_refused_on_the_form(world, portal_client):
    client = portal_client(world.learner)
    data = {"cohort": world.cohort.pk, "recipient": world.peer_mentor.pk, "note": "our review"}
    client.post(reverse("nudges:remind"), data)
    response = client.post(reverse("nudges:remind"), {**data, "note": "second try, please"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "You already reminded them today." in page and "second try, please" in page
    assert Message.objects.filter(user=world.peer_mentor).count() == 2


def test_reminding_someone_outside_the_cohort_is_refused(world, other_world, portal_client):
    client = portal_client(world.learner)
    for person in (world.outsider, other_world.learner):
        page = client.post(reverse("nudges:remind"), {"cohort": world.cohort.pk, "recipient": person.pk,
                                                      "note": "hello"}).content.decode()
        assert "Choose a member of the cohort." in page
    assert not Message.objects.exists()


def test_navigation_links_preferences_for_all_and_approvals_for_facilitators(world, portal_client):
    page = portal_client(world.learner).get(reverse("nudges:preferences")).content.decode()
    assert reverse("nudges:preferences") in page and reverse("nudges:approvals") not in page
    page = portal_client(world.facilitator).get(reverse("nudges:preferences")).content.decode()
    assert reverse("nudges:approvals") in page

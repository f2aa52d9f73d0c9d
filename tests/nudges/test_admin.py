"""Nudges in the Django admin: HR admins edit their organisation's rules (with a
preview for a real learner) and delivery settings, read the delivery log and send
failed messages again; other organisations' rows are absent; learners get nothing."""

from __future__ import annotations

from unittest import mock

import pytest
from django.urls import reverse

from core.models import AuditEntry
from nudges.models import Channel, DeliverySettings, Message, MessageState, NudgeRule
from tests.nudges.test_pages import a_rule, classmates, proposed

pytestmark = pytest.mark.django_db


def url(model, view: str, *args) -> str:
    return reverse(f"admin:nudges_{model._meta.model_name}_{view}", args=args)


def rule_form(rule: NudgeRule, **changes) -> dict:
    data = {"code": rule.code, "name": rule.name, "trigger": rule.trigger, "days": rule.days,
            "hours_before": rule.hours_before, "cohort": rule.cohort_id or "", "squad": rule.squad_id or "",
            "role": rule.role, "subject": rule.subject, "body_text": rule.body_text,
            "body_html": rule.body_html,
            "send_email": "on" if rule.send_email else "", "send_in_app": "on" if rule.send_in_app else "",
            "mode": rule.mode, "is_active": "on" if rule.is_active else "", **changes}
    return {key: value for key, value in data.items() if value != ""}


def test_an_hr_admin_edits_a_rule_and_sees_its_preview(world, client):
    rule = a_rule(world)
    client.force_login(world.hr_admin)
    page = client.get(url(NudgeRule, "change", rule.pk)).content.decode()
    assert "As Learner would read it" in page and "acme cohort misses you" in page
    response = client.post(url(NudgeRule, "change", rule.pk), rule_form(rule, days=12, mode="automatic"))
    assert response.status_code == 302, response.content[:800]
    rule.refresh_from_db()
    assert (rule.days, rule.mode, rule.organization) == (12, "automatic", world.org)
    assert AuditEntry.objects.filter(action="admin.change", target_id=str(rule.pk)).exists()


def test_rule_mistakes_are_shown_on_the_admin_form(world, client):
    rule = a_rule(world)
    other = a_rule(world, code="taken")
    client.force_login(world.hr_admin)
    data = rule_form(rule, body_text="Hi {% if %}", code=other.code)
    del data["send_email"], data["send_in_app"]
    page = client.post(url(NudgeRule, "change", rule.pk), data).content.decode()
    assert "The template has an error" in page
    assert "already has a rule with this code" in page
    assert "Choose at least one channel" in page
    assert NudgeRule.objects.get(pk=rule.pk).body_text == rule.body_text


def test_an_hr_admin_adds_a_rule_for_their_organisation(world, client):
    client.force_login(world.hr_admin)
    template = NudgeRule(code="new-one", name="New one", trigger="inactive", days=7, hours_before=24,
                         subject="Hi", body_text="Hello {{ first_name }}", mode="automatic", role="learner")
    response = client.post(url(NudgeRule, "add"), rule_form(template))
    assert response.status_code == 302, response.content[:800]
    assert NudgeRule.objects.get(code="new-one").organization == world.org


def test_delivery_settings_are_the_organisations_own(world, other_world, client):
    mine = DeliverySettings.objects.create(organization=world.org)
    theirs = DeliverySettings.objects.create(organization=other_world.org)
    client.force_login(world.hr_admin)
    response = client.post(url(DeliverySettings, "change", mine.pk), {
        "weekly_cap": 5, "window_start": 8, "window_end": 20, "weekdays_only": "on"})
    assert response.status_code == 302
    mine.refresh_from_db()
    assert (mine.weekly_cap, mine.window_start, mine.window_end) == (5, 8, 20)
    assert client.get(url(DeliverySettings, "change", theirs.pk)).status_code == 302  # "does not exist"
    assert client.get(url(DeliverySettings, "add")).status_code == 403  # one per organisation


def test_the_log_lists_filters_and_searches_the_organisations_messages(world, other_world, client):
    proposed(world, world.learner, state=MessageState.FAILED, subject="Bounced", attempts=5,
             last_error="550 no such mailbox")
    proposed(world, world.peer_mentor, state=MessageState.SENT, subject="Delivered")
    proposed(other_world, other_world.learner, state=MessageState.SENT, subject="Globex message")
    client.force_login(world.hr_admin)
    page = client.get(url(Message, "changelist")).content.decode()
    assert "550 no such mailbox" in page and "mentor@acme.example" in page
    assert "globex" not in page.lower().replace("globex inc", "")
    page = client.get(url(Message, "changelist"), {"state__exact": "failed"}).content.decode()
    assert "learner@acme.example" in page and "mentor@acme.example" not in page
    page = client.get(url(Message, "changelist"), {"q": "mentor@acme"}).content.decode()
    assert "mentor@acme.example" in page and "learner@acme.example" not in page
    other = Message.objects.get(subject="Globex message")
    assert client.get(url(Message, "change", other.pk)).status_code == 302


def test_the_log_is_read_only(world, client):
    message = proposed(world, world.learner, state=MessageState.SENT)[0]
    client.force_login(world.hr_admin)
    page = client.get(url(Message, "change", message.pk)).content.decode()
    assert 'name="subject"' not in page
    assert client.get(url(Message, "add")).status_code == 403
    assert client.post(url(Message, "delete", message.pk), {"post": "yes"}).status_code == 403


def test_retry_queues_failed_messages_again_and_leaves_the_rest(world, client,
                                                               django_capture_on_commit_callbacks):
    failed = proposed(world, world.learner, state=MessageState.FAILED, attempts=5, last_error="timeout",
                      channels=(Channel.EMAIL, Channel.IN_APP))
    sent = proposed(world, world.peer_mentor, state=MessageState.SENT)[0]
    client.force_login(world.hr_admin)
    with mock.patch("nudges.tasks.send_messages_task.delay") as delay, \
            django_capture_on_commit_callbacks(execute=True):
        response = client.post(url(Message, "changelist"), {
            "action": "retry_failed", "_selected_action": [str(m.pk) for m in [*failed, sent]]}, follow=True)
    page = response.content.decode()
    assert "2 failed messages queued again." in page
    assert "1 selected message was not failed" in page
    for message in failed:
        message.refresh_from_db()
        assert (message.state, message.attempts) == (MessageState.QUEUED, 0)
    assert Message.objects.get(pk=sent.pk).state == MessageState.SENT
    assert sorted(delay.call_args.args[0]) == sorted(str(m.pk) for m in failed)
    assert AuditEntry.objects.filter(action="nudges.message_retry", actor=world.hr_admin).count() == 2


def test_other_organisations_rules_are_absent(world, other_world, client):
    rule = a_rule(other_world, name="Globex only rule")
    client.force_login(world.hr_admin)
    assert "Globex only rule" not in client.get(url(NudgeRule, "changelist")).content.decode()
    assert client.get(url(NudgeRule, "change", rule.pk)).status_code == 302


@pytest.mark.parametrize("role", ["learner", "facilitator", "analyst"])
def test_people_who_are_not_hr_admins_cannot_open_the_nudges_admin(world, client, role):
    rule = a_rule(world)
    client.force_login(world.person(role))
    for target in (url(NudgeRule, "changelist"), url(NudgeRule, "change", rule.pk),
                   url(Message, "changelist")):
        response = client.get(target)
        assert response.status_code in (302, 403)
        assert "acme cohort misses you" not in response.content.decode()


@pytest.mark.parametrize("size", [2, 30])
def test_the_admin_log_costs_the_same_queries_at_any_size(world, client, size, django_assert_max_num_queries):
    for person in classmates(world, size):
        proposed(world, person, state=MessageState.FAILED, attempts=3, last_error="timeout",
                 channels=(Channel.EMAIL, Channel.IN_APP))
    client.force_login(world.hr_admin)
    with django_assert_max_num_queries(14):
        assert client.get(url(Message, "changelist")).status_code == 200

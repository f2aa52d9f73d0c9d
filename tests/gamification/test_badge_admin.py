"""Badges in the Django admin: an HR admin reads the house defaults, overrides one for
their organisation and edits it (the model's checks show as field messages, and the
next award is of their badge); awards are read-only, revoked in bulk only through a
confirmation page that asks for the reason; learners and analysts cannot open any of it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from core.models import AuditEntry, Event
from gamification.badge_models import Badge, BadgeAward
from gamification.events import GamificationVerb
from tests.gamification.test_badges import review

pytestmark = pytest.mark.django_db


def url(model, view: str, *args) -> str:
    return reverse(f"admin:gamification_{model._meta.model_name}_{view}", args=args)


def badge_form(badge: Badge, **changes) -> dict:
    data = {"code": badge.code, "name": badge.name, "description": badge.description,
            "criteria_text": badge.criteria_text, "icon": badge.icon, "colour": badge.colour,
            "is_public": "on" if badge.is_public else False,
            "is_active": "on" if badge.is_active else False,
            "kind": badge.kind, "verb": badge.verb, "recipient": badge.recipient,
            "threshold": badge.threshold,
            "period_weeks": badge.period_weeks or "", "per_week": badge.per_week,
            "min_words": badge.min_words or "", "min_rating": badge.min_rating or "",
            "min_accuracy": badge.min_accuracy if badge.min_accuracy is not None else "", **changes}
    return {key: value for key, value in data.items() if value is not False}


def test_an_hr_admin_overrides_a_default_badge_and_the_next_award_is_theirs(world, client):
    client.force_login(world.hr_admin)
    default = Badge.objects.get(organization=None, code="first-review")

    # The defaults are listed and readable, not editable
    listing = client.get(url(Badge, "changelist"))
    assert listing.status_code == 200
    assert "Every organisation (house default)" in listing.content.decode()
    page = client.get(url(Badge, "change", default.pk))
    assert page.status_code == 200 and 'name="name"' not in page.content.decode()
    assert client.post(url(Badge, "change", default.pk), badge_form(default, name="Ours")).status_code == 403

    # Override it for the organisation
    response = client.post(url(Badge, "changelist"), {
        "action": "override_for_my_organisation", "_selected_action": [default.pk]}, follow=True)
    assert "1 badge copied" in response.content.decode()
    own = Badge.objects.get(organization=world.org, code="first-review")
    assert AuditEntry.objects.filter(action="admin.add", target_id=str(own.pk),
                                     organization=world.org).exists()

    # The model's checks come back as field messages, and nothing is saved
    response = client.post(url(Badge, "change", own.pk), badge_form(own, colour="green", threshold=2))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["colour"] == ["Write the colour as #rrggbb, e.g. #2f6f4e."]
    assert errors["threshold"] == ["A single-event badge is earned by one event: set 1."]
    own.refresh_from_db()
    assert own.colour == default.colour

    # A valid change is saved and audited
    response = client.post(url(Badge, "change", own.pk),
                           badge_form(own, name="First feedback", colour="#112233"))
    assert response.status_code == 302, response.content[:500]
    own.refresh_from_db()
    assert (own.name, own.colour, own.organization) == ("First feedback", "#112233", world.org)
    assert AuditEntry.objects.filter(action="admin.change", target_id=str(own.pk)).exists()

    # And the next first review earns the organisation's badge, not the default
    review(world, world.learner)
    assert BadgeAward.objects.get(learner=world.learner, badge__code="first-review").badge == own
    assert Badge.objects.get(pk=default.pk).name == "First review"


def test_a_second_badge_with_the_same_code_is_refused_with_a_message(world, client):
    client.force_login(world.hr_admin)
    default = Badge.objects.get(organization=None, code="century")
    Badge.objects.create(organization=world.org, code="century", name="Ours", description="-",
                         criteria_text="-", kind="points", threshold=50)
    response = client.post(url(Badge, "add"), badge_form(default, name="Twice"))
    assert response.status_code == 200
    assert "already has a badge with this code" in response.content.decode()
    assert Badge.objects.filter(organization=world.org).count() == 1


@pytest.fixture
def awards(world) -> list[BadgeAward]:
    review(world, world.learner)
    review(world, world.peer_mentor)
    return list(BadgeAward.objects.order_by("learner__email"))


def test_an_hr_admin_revokes_selected_awards_after_giving_a_reason(world, awards, client):
    client.force_login(world.hr_admin)
    changelist = url(BadgeAward, "changelist")
    mine, theirs = awards
    selected = {"action": "revoke_selected", "_selected_action": [mine.pk, theirs.pk]}

    # The list shows both awards
    listing = client.get(changelist)
    assert listing.status_code == 200
    assert {award.pk for award in listing.context["cl"].result_list} == {mine.pk, theirs.pk}

    # Choosing the action asks for the reason first, and revokes nothing yet
    confirm = client.post(changelist, selected)
    assert confirm.status_code == 200
    page = confirm.content.decode()
    assert 'name="reason"' in page and world.learner.display_name in page and "Revoke 2 awards" in page
    assert not BadgeAward.objects.filter(revoked_at__isnull=False).exists()

    # Without a reason the page says why and still revokes nothing
    blank = client.post(changelist, {**selected, "post": "yes", "reason": "  "})
    assert blank.status_code == 200
    assert "Say why the badges are revoked" in blank.content.decode()
    assert not BadgeAward.objects.filter(revoked_at__isnull=False).exists()

    # With one, both are revoked through the service: audited and announced
    done = client.post(changelist, {**selected, "post": "yes", "reason": "Reviews were copied"}, follow=True)
    assert "2 awards revoked." in done.content.decode()
    for award in awards:
        award.refresh_from_db()
        assert award.is_revoked and award.revoked_by == world.hr_admin
        assert award.revocation_reason == "Reviews were copied"
    assert AuditEntry.objects.filter(action="badge.revoke", actor=world.hr_admin).count() == 2
    assert Event.objects.filter(verb=GamificationVerb.BADGE_REVOKED).count() == 2

    # An award already revoked is left as it was, with a message
    again = client.post(changelist, {"action": "revoke_selected", "_selected_action": [mine.pk],
                                     "post": "yes", "reason": "Another reason"}, follow=True)
    assert "already revoked" in again.content.decode()
    mine.refresh_from_db()
    assert mine.revocation_reason == "Reviews were copied"

    # The revoked filter finds them
    revoked = client.get(changelist, {"revoked": "yes"}).context["cl"].result_list
    standing = client.get(changelist, {"revoked": "no"}).context["cl"].result_list
    assert ({award.pk for award in revoked}, list(standing)) == ({mine.pk, theirs.pk}, [])


def test_awards_are_read_only_and_the_admin_is_closed_to_others(world, awards, client):
    award = awards[0]
    client.force_login(world.hr_admin)
    detail = client.get(url(BadgeAward, "change", award.pk))
    assert detail.status_code == 200 and b'name="_save"' not in detail.content
    assert client.get(url(BadgeAward, "add")).status_code == 403
    assert client.post(url(BadgeAward, "change", award.pk), {"revocation_reason": "x"}).status_code == 403
    assert client.post(url(BadgeAward, "delete", award.pk), {"post": "yes"}).status_code == 403
    actions = client.get(url(BadgeAward, "changelist")).context["action_form"].fields["action"].choices
    assert [name for name, _label in actions if name] == ["revoke_selected"]
    assert BadgeAward.objects.count() == 2

    for who in (world.learner, world.analyst, world.facilitator):
        client.force_login(who)
        for target in (url(Badge, "changelist"), url(BadgeAward, "changelist")):
            assert client.get(target).status_code in (302, 403)
        client.post(url(BadgeAward, "changelist"), {
            "action": "revoke_selected", "_selected_action": [award.pk], "post": "yes", "reason": "No"})
    award.refresh_from_db()
    assert not award.is_revoked

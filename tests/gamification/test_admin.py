"""Point rules in the Django admin: an HR admin reads the house defaults, overrides
one for their organisation, changes its points (audited) and the next event pays
the new amount; the ledger is read-only; learners cannot open any of it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from core.events import consume, emit
from core.models import AuditEntry
from gamification.models import LedgerEntry, PointRule, PointTotal

pytestmark = pytest.mark.django_db


def url(model, view: str, *args) -> str:
    return reverse(f"admin:gamification_{model._meta.model_name}_{view}", args=args)


def review(world):
    event = emit("review_submitted", organization=world.org, actor=world.learner, cohort=world.cohort,
                 subject=world.cohort, payload={"reviewer_id": world.learner.pk, "comment_words": 40})
    consume("gamification.points", str(event.pk))


def form(rule: PointRule, **changes) -> dict:
    data = {"code": rule.code, "verb": rule.verb, "recipient": rule.recipient, "points": rule.points,
            "daily_cap": rule.daily_cap or "", "history_text": rule.history_text, "is_active": "on",
            "min_words": rule.min_words or "", "min_rating": "", "min_accuracy": "", **changes}
    return {key: value for key, value in data.items() if value is not False}


def test_an_hr_admin_overrides_a_default_and_the_next_event_pays_the_new_points(world, client):
    client.force_login(world.hr_admin)
    default = PointRule.objects.get(organization=None, code="peer-review")

    # The defaults are listed and readable, not editable
    listing = client.get(url(PointRule, "changelist"))
    assert listing.status_code == 200 and "house default" in listing.content.decode()
    page = client.get(url(PointRule, "change", default.pk))
    assert page.status_code == 200 and 'name="points"' not in page.content.decode()
    assert client.post(url(PointRule, "change", default.pk), form(default, points=99)).status_code == 403

    # Override it for the organisation, then change the points
    response = client.post(url(PointRule, "changelist"), {
        "action": "override_for_my_organisation", "_selected_action": [default.pk]})
    assert response.status_code == 302
    own = PointRule.objects.get(organization=world.org, code="peer-review")
    response = client.post(url(PointRule, "change", own.pk), form(own, points=25))
    assert response.status_code == 302, response.content[:500]
    own.refresh_from_db()
    assert own.points == 25 and own.organization == world.org
    assert AuditEntry.objects.filter(action="admin.change", target_id=str(own.pk)).exists()

    review(world)
    assert PointTotal.objects.get(learner=world.learner).points == 25
    assert PointRule.objects.get(pk=default.pk).points == 10  # the default is untouched


def test_a_second_rule_with_the_same_code_is_refused_with_a_message(world, client):
    client.force_login(world.hr_admin)
    PointRule.objects.create(organization=world.org, code="kudos-received", verb="kudos_given",
                             recipient="recipient_id", points=3, history_text="thanked")
    taken = PointRule(code="kudos-received", verb="kudos_given", recipient="recipient_id", points=4,
                      history_text="thanked again")
    response = client.post(url(PointRule, "add"), form(taken))
    assert response.status_code == 200
    assert "already has a rule with this code" in response.content.decode()
    assert PointRule.objects.filter(organization=world.org).count() == 1


def test_the_ledger_is_read_only_and_closed_to_learners(world, client):
    review(world)
    entry = LedgerEntry.objects.get()
    client.force_login(world.hr_admin)
    assert client.get(url(LedgerEntry, "changelist")).status_code == 200
    assert client.get(url(LedgerEntry, "change", entry.pk)).status_code == 200
    assert client.get(url(LedgerEntry, "add")).status_code == 403
    assert client.post(url(LedgerEntry, "delete", entry.pk), {"post": "yes"}).status_code == 403
    assert LedgerEntry.objects.count() == 1
    client.force_login(world.learner)
    for model in (PointRule, LedgerEntry, PointTotal):
        assert client.get(url(model, "changelist")).status_code in (302, 403)

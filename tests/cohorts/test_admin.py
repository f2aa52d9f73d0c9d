"""HR admins run their organisation in the Django admin; every change is audited."""

import re

import pytest

from cohorts.models import JourneyStep, JourneyTemplate
from core.models import AuditEntry

pytestmark = pytest.mark.django_db


def form_errors(response) -> list[str]:
    return re.findall(r"errorlist[^>]*>(.*?)</ul>", response.content.decode(), re.S)


def _inline_management(prefix, total=0, initial=0):
    return {f"{prefix}-TOTAL_FORMS": str(total), f"{prefix}-INITIAL_FORMS": str(initial),
            f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"}


def test_hr_admin_creates_a_journey_template_with_steps_and_it_is_audited(client, world):
    client.force_login(world.hr_admin)
    data = {"name": "Onboarding managers", "description": "", "weeks": "3",
            **_inline_management("steps", total=1),
            "steps-0-week": "1", "steps-0-day_offset": "0", "steps-0-kind": "prompt",
            "steps-0-title": "Your first 1:1", "steps-0-minutes": "15", "steps-0-order": "0",
            "steps-0-description": ""}
    response = client.post("/admin/cohorts/journeytemplate/add/", data)
    assert response.status_code == 302, form_errors(response)
    template = JourneyTemplate.objects.get(name="Onboarding managers")
    assert template.organization == world.org  # filled in for the HR admin
    step = JourneyStep.objects.get(template=template)
    actions = set(AuditEntry.objects.filter(actor=world.hr_admin).values_list("action", "target_type"))
    assert ("admin.add", "cohorts.journeytemplate") in actions
    assert ("admin.add", "cohorts.journeystep") in actions
    assert step.title == "Your first 1:1"


def test_hr_admin_changes_a_cohort_and_the_audit_keeps_before_and_after(client, world):
    client.force_login(world.hr_admin)
    page = client.get(f"/admin/cohorts/cohort/{world.cohort.pk}/change/")
    assert page.status_code == 200
    data = {"name": "Renamed cohort", "slug": world.cohort.slug, "description": "",
            "state": "archived", "timezone": "Europe/Berlin",
            "start_date": world.cohort.start_date.isoformat(),
            "end_date": world.cohort.end_date.isoformat(), "journey_template": "",
            **_inline_management("squads", total=1, initial=1),
            "squads-0-id": str(world.squad.pk), "squads-0-cohort": str(world.cohort.pk),
            "squads-0-name": "Alpha prime",
            **_inline_management("steps")}
    response = client.post(f"/admin/cohorts/cohort/{world.cohort.pk}/change/", data)
    assert response.status_code == 302, form_errors(response)
    cohort_entry = AuditEntry.objects.get(action="admin.change", target_type="cohorts.cohort")
    assert cohort_entry.changes["name"] == [f"{world.org.slug} cohort", "Renamed cohort"]
    assert cohort_entry.changes["state"] == ["active", "archived"]
    squad_entry = AuditEntry.objects.get(action="admin.change", target_type="cohorts.squad")
    assert squad_entry.changes["name"] == ["Alpha", "Alpha prime"]


def test_a_learner_cannot_open_the_admin(client, world):
    client.force_login(world.learner)
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0] == "/week/"


def test_beat_schedules_are_for_platform_operators_only(client, world):
    client.force_login(world.hr_admin)
    assert client.get("/admin/django_celery_beat/periodictask/").status_code == 403
    assert "Periodic tasks" not in client.get("/admin/").content.decode()

import pytest
from core.models import AuditEntry
pytestmark = pytest.mark.django_db

def test_probe(world, other_world, api_client, client):
    c = api_client(other_world.hr_admin)
    for q in [f"memberships/?cohort={world.cohort.pk}", "memberships/?cohort=99999", f"events/?actor={world.learner.pk}", "events/?actor=99999",
              f"cohorts/?journey_template={world.template.pk}", "cohorts/?journey_template=9999"]:
        r = c.get("/api/v1/" + q)
        print(q, r.status_code, r.content[:200])
    r = c.post("/api/v1/memberships/", {"cohort": world.cohort.pk, "user": other_world.outsider.pk}, format="json")
    print(r.status_code, r.json())
    r = c.post("/api/v1/cohorts/", {"name": "x", "start_date": "2027-01-04", "journey_template": world.template.pk}, format="json")
    print(r.status_code, r.json())
    client.force_login(other_world.hr_admin)
    for url in ["/admin/", "/admin/cohorts/cohort/", f"/admin/cohorts/cohort/{world.cohort.pk}/change/", f"/admin/cohorts/cohort/{other_world.cohort.pk}/change/",
                "/admin/cohorts/squad/", "/admin/cohorts/cohortmembership/", "/admin/cohorts/user/", f"/admin/cohorts/cohort/{world.cohort.pk}/history/", f"/admin/cohorts/cohort/{world.cohort.pk}/delete/",
                "/admin/core/auditentry/add/", "/admin/autocomplete/?app_label=cohorts&model_name=cohortmembership&field_name=user&term="]:
        r = client.get(url)
        body = r.content.decode()
        print(url, r.status_code, r.get("Location"), "acme" in body.lower(), len(body))
    r = client.get(f"/admin/cohorts/cohort/{other_world.cohort.pk}/change/")
    print([ (i.opts.model.__name__) for i in r.context["inline_admin_formsets"]])
    r = client.get("/admin/cohorts/cohortmembership/add/")
    print(r.content.decode()[r.content.decode().find('<form'):][:3000])

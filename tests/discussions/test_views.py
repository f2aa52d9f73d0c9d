"""Discussion pages as a learner sees them."""

import pytest
from django.urls import reverse

from discussions import services

pytestmark = pytest.mark.django_db


def test_the_thread_page_shows_roles_deliverables_and_posts(client, world, squads, publish):
    _, threads = publish()
    thread = threads["Alpha"]
    services.post_create(actor=world.peer_mentor, thread=thread, body="Specific **and** kind.")
    client.force_login(world.learner)
    page = client.get(reverse("discussions:thread", args=[thread.pk])).content.decode()
    assert "Roles in this thread" in page and "Learner (you)" in page
    assert "<strong>and</strong>" in page and "not yet" in page


def test_another_squads_members_may_read_but_another_organisation_gets_404(
        client, world, squads, publish, other_world):
    _, threads = publish()
    client.force_login(squads["beta_members"][0])
    assert client.get(reverse("discussions:thread", args=[threads["Alpha"].pk])).status_code == 200
    client.force_login(other_world.learner)
    assert client.get(reverse("discussions:thread", args=[threads["Alpha"].pk])).status_code == 404

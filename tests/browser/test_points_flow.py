"""Points in a real browser with a real worker: a learner endorses a peer's post, the
worker consumes the event, and the peer's points go up on the cohort leaderboard;
the peer then sees why on My points."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone

from cohorts.models import CohortRole
from config.celery_app import app
from discussions import services
from gamification.models import PointTotal
from tests.factories import MembershipFactory
from tests.worker_process import purge_queue, running_worker, wait_for

from .support import playwright_expect

expect = playwright_expect()
pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.xdist_group("celery-worker")]


@pytest.fixture
def real_broker():
    """Events go to the broker and a worker process consumes them."""
    app.conf.task_always_eager = False
    purge_queue()
    yield
    app.conf.task_always_eager = settings.CELERY_TASK_ALWAYS_EAGER


def test_an_endorsement_raises_the_peers_points_on_the_leaderboard_after_the_worker_runs(
        page, log_in, world, real_broker, tmp_path):
    MembershipFactory(cohort=world.cohort, squad=world.squad, role=CohortRole.LEARNER)
    prompt = services.prompt_create(actor=world.facilitator, cohort=world.cohort, title="What lands?",
                                    body="One piece of feedback that changed how you work.",
                                    due_at=timezone.now() + dt.timedelta(days=3))
    (thread,) = services.prompt_publish(actor=world.facilitator, prompt=prompt)
    post = services.post_create(actor=world.peer_mentor, thread=thread, body="Ask before you advise.")
    log = tmp_path / "worker.log"

    with running_worker(log_path=log, concurrency=1):
        # Given the learner on the leaderboard: the peer mentor is not on it yet
        log_in(world.learner)
        page.goto(f"/points/cohorts/{world.cohort.pk}/leaderboard/")
        expect(page.get_by_text("Nobody is on this board yet this week")).to_be_visible()

        # When the learner endorses the peer mentor's post
        page.goto(f"/threads/{thread.pk}/")
        footer = page.locator(f"#reactions-{post.pk}")
        footer.get_by_label("Why it helped (optional, one line)").fill("Changed my next 1:1")
        footer.get_by_role("button", name="Endorse").click()
        expect(footer).to_contain_text("1 found this helpful (you too)")

        # Then, once the worker has consumed the event, the leaderboard shows the peer's points
        assert wait_for(lambda: PointTotal.objects.filter(learner=world.peer_mentor, points=3).exists(),
                        timeout=60), log.read_text()[-3000:]
        page.goto(f"/points/cohorts/{world.cohort.pk}/leaderboard/")
        board = page.get_by_test_id("leaderboard")
        expect(board.get_by_role("row", name=f"1 {world.peer_mentor.display_name} 3")).to_be_visible()
        # and the learner is on it too, for endorsing
        expect(board).to_contain_text(world.learner.display_name)

    # And the peer mentor, signed in on the same browser, reads why on My points
    page.context.clear_cookies()
    log_in(world.peer_mentor)
    page.goto("/points/")
    expect(page.get_by_test_id("points-total")).to_have_text("3")
    expect(page.get_by_role("cell", name=f"{world.learner.display_name} endorsed your post")).to_be_visible()

"""Points through the REST API: my ledger entries with the reason for each, a cohort's
leaderboards and my own points there; another organisation's cohort is a 404."""

from __future__ import annotations

import pytest

from core.events import consume, emit
from tests.cohorts.test_api import assert_error, results

pytestmark = pytest.mark.django_db

API = "/api/v1"


def earn(world, learner, reviews: int = 1) -> None:
    for _ in range(reviews):
        event = emit("review_submitted", organization=world.org, actor=learner, cohort=world.cohort,
                     subject=world.cohort, payload={"reviewer_id": learner.pk, "comment_words": 40})
        consume("gamification.points", str(event.pk))


def test_a_learner_reads_their_entries_and_the_leaderboard(world, api_client):
    earn(world, world.learner, reviews=2)
    earn(world, world.peer_mentor, reviews=3)
    client = api_client(world.learner)
    entries = results(client.get(f"{API}/points/"))
    assert [(e["points"], e["rule"], e["text"]) for e in entries] == [
        (10, "peer-review", "reviewed a peer's submission")] * 2
    assert {e["learner"] for e in entries} == {world.learner.pk}

    board = client.get(f"{API}/leaderboards/{world.cohort.pk}/").json()
    assert [(row["learner"], row["rank"], row["points"]) for row in board["top"]] == [
        (world.peer_mentor.pk, 1, 30), (world.learner.pk, 2, 20)]
    assert board["mine"]["rank"] == 2 and board["ranked"] == 2 and board["board"] == "week"
    all_time = client.get(f"{API}/leaderboards/{world.cohort.pk}/", {"board": "all"}).json()
    assert all_time["top"][0]["points"] == 30
    mine = client.get(f"{API}/leaderboards/{world.cohort.pk}/my-points/").json()
    assert (mine["total"], mine["this_week"]) == (20, 20)


def test_staff_see_their_cohorts_entries(world, api_client):
    earn(world, world.learner)
    for who in (world.facilitator, world.hr_admin, world.analyst):
        assert len(results(api_client(who).get(f"{API}/points/"))) == 1, who
    assert results(api_client(world.peer_mentor).get(f"{API}/points/")) == []


def test_bad_boards_and_other_organisations_are_refused(world, other_world, api_client):
    client = api_client(world.learner)
    assert_error(client.get(f"{API}/leaderboards/{world.cohort.pk}/", {"board": "fastest"}), 400)
    assert_error(client.get(f"{API}/leaderboards/{other_world.cohort.pk}/"), 404)
    earn(other_world, other_world.learner)
    assert results(api_client(world.hr_admin).get(f"{API}/points/")) == []
    assert_error(api_client().get(f"{API}/points/"), 401)

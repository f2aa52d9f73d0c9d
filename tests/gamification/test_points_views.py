"""What learners see of their points: totals this week and in all, the reasons line by
line, cohort leaderboards (this week, all time, most improved) with their own rank
outside the top ten, and the choice to stay off them; facilitators switch a cohort's
leaderboards off. Pages cost the same queries however large the cohort."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from core.events import consume, emit
from gamification import selectors
from gamification.models import Kudos, PointRule, WeeklyPoints
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def earn(world, learner, reviews: int = 1) -> None:
    """Points the way learners get them: review events, consumed."""
    for _ in range(reviews):
        event = emit("review_submitted", organization=world.org, actor=learner, cohort=world.cohort,
                     subject=world.cohort, payload={"reviewer_id": learner.pk, "comment_words": 40})
        consume("gamification.points", str(event.pk))


def classmates(world, count: int):
    return [MembershipFactory(cohort=world.cohort, squad=world.squad, role="learner").user
            for _ in range(count)]


def test_my_points_show_the_totals_and_why(world, client):
    earn(world, world.learner, reviews=2)
    client.force_login(world.learner)
    page = client.get(reverse("gamification:mine")).content.decode()
    assert 'data-testid="points-week">20<' in page and 'data-testid="points-total">20<' in page
    assert page.count("reviewed a peer&#x27;s submission") == 2


def test_without_a_cohort_to_earn_in_the_page_says_how_points_come(world, client):
    client.force_login(world.facilitator)
    page = client.get(reverse("gamification:mine")).content.decode()
    assert "You earn points as a learner or peer mentor" in page


def test_the_weekly_board_ranks_ties_together_and_shows_my_rank_outside_the_top_ten(world, client):
    PointRule.objects.create(organization=world.org, code="peer-review", verb="review_submitted",
                             recipient="reviewer_id", points=10, history_text="reviewed")  # no daily cap
    others = classmates(world, 11)
    for index, person in enumerate(others):
        earn(world, person, reviews=2 + index // 2)  # 2, 2, 3, 3, ... 7
    earn(world, world.learner, reviews=1)  # bottom of the board
    board = selectors.leaderboard(world.learner, world.cohort)
    assert [row.rank for row in board.top] == [1, 2, 2, 4, 4, 6, 6, 8, 8, 10]
    assert board.mine is not None and board.mine.rank == 12 and board.mine.points == 10
    assert board.ranked == 12
    client.force_login(world.learner)
    page = client.get(reverse("gamification:leaderboard", args=[world.cohort.pk])).content.decode()
    assert "You: rank 12 of 12, 10 points." in page


def test_all_time_and_most_improved_boards(world):
    sam, kim = classmates(world, 2)
    earn(world, sam, reviews=3)
    earn(world, kim, reviews=2)
    last_month = selectors.this_week(world.cohort) - dt.timedelta(weeks=2)
    WeeklyPoints.objects.create(cohort=world.cohort, learner=sam, week=last_month, points=80)
    all_time = selectors.leaderboard(world.learner, world.cohort, selectors.Board.ALL_TIME)
    assert [(row.learner, row.points) for row in all_time.top] == [(sam, 30), (kim, 20)]
    improved = selectors.leaderboard(world.learner, world.cohort, selectors.Board.IMPROVED)
    # Sam: 30 this week against 80 / 4 = 20 a week before (+10); Kim: 20 against 0 (+20).
    assert [(row.learner, row.points) for row in improved.top] == [(kim, 20), (sam, 10)]
    assert improved.mine is None


def test_a_learner_who_hides_neither_appears_nor_sees_ranks(world, client):
    sam = classmates(world, 1)[0]
    earn(world, sam)
    earn(world, world.learner)
    client.force_login(world.learner)
    client.post(reverse("gamification:preferences"), {"hide_from_leaderboards": "on"})
    page = client.get(reverse("gamification:leaderboard", args=[world.cohort.pk])).content.decode()
    assert "hidden for you too" in page and sam.display_name not in page
    assert [row.learner for row in selectors.leaderboard(sam, world.cohort).top] == [sam]
    client.post(reverse("gamification:preferences"), {})
    assert len(selectors.leaderboard(sam, world.cohort).top) == 2


def test_facilitators_switch_a_cohorts_leaderboards_off_and_learners_cannot(world, client):
    earn(world, world.learner)
    switch = reverse("gamification:leaderboards_switch", args=[world.cohort.pk])
    client.force_login(world.learner)
    assert client.post(switch, {}).status_code == 403
    client.force_login(world.facilitator)
    assert client.post(switch, {}).status_code == 302
    client.force_login(world.learner)
    page = client.get(reverse("gamification:leaderboard", args=[world.cohort.pk])).content.decode()
    assert "does not show leaderboards" in page
    client.force_login(world.facilitator)
    client.post(switch, {"enabled": "on"})
    assert not selectors.leaderboard(world.learner, world.cohort).disabled


def test_a_members_page_shows_their_kudos_and_points_and_is_closed_to_other_organisations(
        world, other_world, client):
    earn(world, world.peer_mentor)
    Kudos.objects.create(cohort=world.cohort, sender=world.learner, recipient=world.peer_mentor,
                         message="Thanks for the careful review!")
    client.force_login(world.learner)
    page = client.get(reverse("gamification:member", args=[world.peer_mentor.pk])).content.decode()
    assert "Thanks for the careful review!" in page and f"{world.cohort.name}: 10" in page
    assert "Send kudos" in page
    client.force_login(other_world.learner)
    assert client.get(reverse("gamification:member", args=[world.peer_mentor.pk])).status_code == 404


@pytest.mark.parametrize("size", [10, 300])
def test_pages_cost_the_same_queries_at_any_cohort_size(world, client, size, django_assert_max_num_queries):
    people = classmates(world, size)
    for person in people[:: max(1, size // 10)]:
        earn(world, person)
    earn(world, world.learner)
    now = timezone.now()
    WeeklyPoints.objects.bulk_create(
        WeeklyPoints(cohort=world.cohort, learner=person, week=selectors.this_week(world.cohort, now)
                     - dt.timedelta(weeks=1), points=5) for person in people)
    client.force_login(world.learner)
    for board in ("week", "all", "improved"):
        with django_assert_max_num_queries(16):
            url = reverse("gamification:leaderboard", args=[world.cohort.pk])
            response = client.get(url, {"board": board})
        assert response.status_code == 200
    with django_assert_max_num_queries(16):
        assert client.get(reverse("gamification:mine")).status_code == 200

"""Helpers for the live session tests: sessions scheduled the way the product does,
through the service, at times relative to now."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from touchpoints import services


def in_days(days: float) -> dt.datetime:
    return (timezone.now() + dt.timedelta(days=days)).replace(microsecond=0)


def schedule(world, *, cohort=None, actor=None, now=None, **fields):
    """A 20-minute session of the world's cohort in two days, unless told otherwise."""
    values = {"title": "Week 2 check-in", "agenda": "1. Wins\n2. Blockers", "starts_at": in_days(2),
              "duration_minutes": 20, "join_url": "https://meet.example.com/abc", **fields}
    return services.touchpoint_schedule(actor=actor or world.facilitator, cohort=cohort or world.cohort,
                                        now=now, **values)


def schedule_past(world, *, hours_ago: float = 2, **fields):
    """A session that started `hours_ago` hours ago (scheduled the day before it)."""
    starts_at = timezone.now().replace(microsecond=0) - dt.timedelta(hours=hours_ago)
    return schedule(world, starts_at=starts_at, now=starts_at - dt.timedelta(days=1), **fields)


@pytest.fixture
def session(world):
    return schedule(world)

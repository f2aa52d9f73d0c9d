"""When a learner may be sent a nudge: the organisation's send window and the
learner's quiet hours, both in the learner's own timezone, and the week the weekly
cap counts in. Candidate times step through real (UTC) hours, so a DST change
neither skips nor repeats an hour of the window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

SEARCH_HOURS = 8 * 24


def _quiet(hour: int, start: int | None, end: int | None) -> bool:
    if start is None or end is None or start == end:
        return False
    if start < end:
        return start <= hour < end
    return hour >= start or hour < end  # quiet hours across midnight, e.g. 21-7


def allowed(moment: datetime, *, tz: str, window_start: int, window_end: int, weekdays_only: bool,
            quiet_start: int | None = None, quiet_end: int | None = None) -> bool:
    local = moment.astimezone(ZoneInfo(tz or "UTC"))
    if weekdays_only and local.weekday() >= 5:
        return False
    if not window_start <= local.hour < window_end:
        return False
    return not _quiet(local.hour, quiet_start, quiet_end)


def next_allowed(now: datetime, **rules) -> datetime:
    """`now` when sending is allowed now, else the start of the next allowed hour."""
    if allowed(now, **rules):
        return now
    hour = now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    for step in range(1, SEARCH_HOURS + 1):
        candidate = hour + timedelta(hours=step)
        if allowed(candidate, **rules):
            return candidate
    return now  # a window that never opens (e.g. quiet all day) must not hold messages forever


def week_start(now: datetime, tz: str) -> datetime:
    """Monday 00:00 of the learner's current week, as an aware UTC time."""
    zone = ZoneInfo(tz or "UTC")
    local = now.astimezone(zone)
    monday = (local - timedelta(days=local.weekday())).date()
    return datetime(monday.year, monday.month, monday.day, tzinfo=zone).astimezone(UTC)

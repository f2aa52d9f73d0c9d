"""The weekly Top Take digest: prepared for the running week (a facilitator previews
it and writes the intro), ranked for good and sent on Monday 09:00 cohort time after
the week, in chunks by Celery, by email and in-app.

A learner gets it when they want it and it holds something new for them (an item
neither theirs nor one they already endorsed or replied to). Messages are keyed
(digest, learner, channel), so a chunk task run twice adds nothing.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from cohorts.models import Cohort, CohortMembership, CohortRole, CohortState
from core import audit
from core.bulk import insert_rows
from core.errors import invalid
from core.models import Event
from core.policy import require

from .. import digest as ranking
from ..models import Channel, Digest, DigestState, Message, MessageState, Topic, TopicPreference
from ..rendering import absolute
from .queueing import enqueue_after_commit

CHUNK = 1000
SEND_HOUR = 9
INTRO_MAX = 1000
READERS = (CohortRole.LEARNER, CohortRole.PEER_MENTOR)


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def week_bounds(cohort: Cohort, week_start: date) -> tuple[datetime, datetime]:
    zone = ZoneInfo(cohort.timezone)
    start = datetime.combine(week_start, time.min, tzinfo=zone)
    return start, datetime.combine(week_start + timedelta(days=7), time.min, tzinfo=zone)


def _send_at(cohort: Cohort, week_start: date) -> datetime:
    return datetime.combine(week_start + timedelta(days=7), time(SEND_HOUR), tzinfo=ZoneInfo(cohort.timezone))


def _digest_for(cohort: Cohort, week_start: date) -> Digest:
    digest, _ = Digest.objects.get_or_create(cohort=cohort, week_start=week_start,
                                             defaults={"send_at": _send_at(cohort, week_start)})
    return digest


def current_week_start(cohort: Cohort, now: datetime | None = None) -> date:
    now = now or timezone.now()
    return _monday(now.astimezone(ZoneInfo(cohort.timezone)).date())


def _recent_stars(cohort: Cohort, week_start: date) -> set[int]:
    stars = set()
    for items in Digest.objects.filter(cohort=cohort, state=DigestState.SENT, week_start__lt=week_start) \
            .order_by("-week_start").values_list("items", flat=True)[:2]:
        stars.update(item["author_id"] for item in items)
    return stars


def digest_preview(cohort: Cohort, *, now: datetime | None = None) -> tuple[Digest, list[dict]]:
    """The running week's digest (made on first look) and its items ranked so far."""
    week_start = current_week_start(cohort, now)
    digest = _digest_for(cohort, week_start)
    start, end = week_bounds(cohort, week_start)
    return digest, ranking.rank(cohort, start, end, recent_stars=_recent_stars(cohort, week_start))


@transaction.atomic
def digest_intro_save(*, actor, digest: Digest, intro: str) -> Digest:
    require(actor, "nudges.approve", digest.cohort)
    digest = Digest.objects.select_for_update().get(pk=digest.pk)
    intro = (intro or "").strip()
    if digest.state != DigestState.DRAFT:
        raise invalid(intro="This digest has already gone out; its intro can no longer change.")
    if len(intro) > INTRO_MAX:
        raise invalid(intro=f"Keep the intro to {INTRO_MAX} characters.")
    if intro != digest.intro:
        audit.record(actor=actor, action="digest.intro", target=digest,
                     organization=digest.cohort.organization, changes={"intro": [digest.intro, intro]})
        digest.intro, digest.edited_by = intro, actor
        digest.save(update_fields=["intro", "edited_by"])
    return digest


def digests_due(*, now: datetime | None = None) -> list[int]:
    """Digests whose send time has come: last week's, per active cohort. Made when
    missing; returns the ids of those sent now."""
    now = now or timezone.now()
    sent = []
    for cohort in Cohort.objects.filter(state=CohortState.ACTIVE).select_related("organization"):
        week_start = current_week_start(cohort, now) - timedelta(days=7)
        before_start = week_bounds(cohort, week_start)[1].date() <= cohort.start_date
        if _send_at(cohort, week_start) > now or before_start:
            continue
        digest = _digest_for(cohort, week_start)
        if digest.state == DigestState.DRAFT and digest_send(digest, now=now):
            sent.append(digest.pk)
    return sent


@transaction.atomic
def digest_send(digest: Digest, *, now: datetime | None = None) -> bool:
    """Rank the week for good and hand the readers to chunk tasks. Only a draft is
    sent (the row lock makes a second tick wait, then find it sent)."""
    from ..tasks import build_digest_chunk_task

    now = now or timezone.now()
    digest = Digest.objects.select_for_update(of=("self",)).select_related("cohort").get(pk=digest.pk)
    if digest.state != DigestState.DRAFT:
        return False
    cohort = digest.cohort
    start, end = week_bounds(cohort, digest.week_start)
    digest.items = ranking.rank(cohort, start, end, recent_stars=_recent_stars(cohort, digest.week_start))
    digest.sent_at = now
    readers = list(CohortMembership.objects.filter(cohort=cohort, role__in=READERS, user__is_active=True)
                   .order_by("user_id").values_list("user_id", flat=True))
    digest.state = DigestState.SENT if digest.items and readers else DigestState.EMPTY
    digest.recipients = len(readers) if digest.state == DigestState.SENT else 0
    digest.save(update_fields=["items", "sent_at", "state", "recipients"])
    if digest.state == DigestState.SENT:
        chunks = [readers[i:i + CHUNK] for i in range(0, len(readers), CHUNK)]
        transaction.on_commit(lambda: [build_digest_chunk_task.delay(digest.pk, chunk) for chunk in chunks])
    return True


def _engaged(cohort_id: int, user_ids: list[int], post_ids: list[int],
             start: datetime) -> dict[int, set[int]]:
    """For each reader, the digest posts they already endorsed or replied to."""
    seen: dict[int, set[int]] = {}
    if not post_ids:
        return seen
    for actor_id, verb, payload in Event.objects.filter(
            cohort_id=cohort_id, actor_id__in=user_ids, verb__in=["post_endorsed", "reply_created"],
            occurred_at__gte=start).values_list("actor_id", "verb", "payload"):
        post = payload.get("post_id") if verb == "post_endorsed" else payload.get("parent_id")
        if post in post_ids:
            seen.setdefault(actor_id, set()).add(post)
    return seen


def build_chunk(digest_id: int, user_ids: list[int]) -> int:
    """Write one chunk's messages (queued, or suppressed with the reason) and enqueue
    them after commit. Returns how many were queued."""
    digest = Digest.objects.select_related("cohort__organization").get(pk=digest_id)
    cohort = digest.cohort
    items = digest.items
    post_ids = [item["post_id"] for item in items if item["post_id"]]
    start, _ = week_bounds(cohort, digest.week_start)
    engaged = _engaged(cohort.pk, user_ids, post_ids, start)
    off = set(TopicPreference.objects.filter(user_id__in=user_ids, topic=Topic.DIGEST, enabled=False)
              .values_list("user_id", "channel"))
    url = absolute(reverse("nudges:digest", args=[digest.pk]))
    subject = f"Top Takes in {cohort.name}, week of {digest.week_start:%d %b}"
    now = timezone.now()
    rows = []
    for user_id in user_ids:
        seen = engaged.get(user_id, ())
        new_items = [i for i in items if i["author_id"] != user_id and i["post_id"] not in seen]
        for channel in (Channel.EMAIL, Channel.IN_APP):
            reason = ""
            if (user_id, channel) in off:
                reason = "Turned off in the learner's preferences"
            elif not new_items:
                reason = "Nothing new for them this week"
            group = f"digest:{digest.pk}:{user_id}"
            rows.append({
                "id": uuid.uuid4(),
                "organization_id": cohort.organization_id, "cohort_id": cohort.pk, "user_id": user_id,
                "topic": Topic.DIGEST, "channel": channel, "key": f"{group}:{channel}", "group": group,
                "state": MessageState.SUPPRESSED if reason else MessageState.QUEUED, "reason": reason,
                "subject": subject, "body_text": "", "body_html": "", "digest_id": digest.pk, "link": url,
                "not_before": now, "created_at": now, "enqueued_at": None if reason else now,
            })
    with transaction.atomic():
        insert_rows(Message, rows, ignore_conflicts=True)
        # A row a repeated chunk could not insert (its key exists) leaves an id that
        # names no message: its send task finds nothing and does nothing.
        queued = [row["id"] for row in rows if not row["reason"]]
        enqueue_after_commit(queued, mark=False)
    return len(queued)


def digest_bodies(digest: Digest, first_name: str) -> tuple[str, str]:
    """(text, html) of a digest for one reader, made when it is sent."""
    context = {"digest": digest, "cohort": digest.cohort, "items": digest.items,
               "url": absolute(reverse("nudges:digest", args=[digest.pk]))}
    text = render_to_string("nudges/email/digest_items.txt", context)
    html = render_to_string("nudges/email/digest_items.html", context)
    return f"Hi {first_name},\n\n{text}", f"<p>Hi {escape(first_name)},</p>\n{html}"

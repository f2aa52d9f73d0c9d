"""Writes for moderation: flags and their resolution, hiding and restoring
posts, locking threads, messaging a post's author, choosing and rotating the
week's learner moderator. Every action is audited."""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo

from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from cohorts.models import Cohort, CohortMembership, CohortRole, CohortState
from core import audit
from core.errors import PermissionDenied
from core.events import emit
from core.models import Notification

from ..events import DiscussionVerb
from ..models import FeedItem, Flag, FlagOutcome, FlagReason, Post, Thread
from ._common import feed_changed, invalid, require, thread_changed
from .posts import squad_milestone_check

logger = logging.getLogger(__name__)


def _payload(post: Post, **extra) -> dict:
    thread = post.thread
    return {"post_id": post.pk, "thread_id": thread.pk, "squad_id": thread.squad_id,
            "author_id": post.author_id, **extra}


@transaction.atomic
def post_flag(*, actor, post: Post, reason: str, note: str = "") -> Flag:
    require(actor, "post.react", post)
    if reason not in FlagReason.values:
        raise invalid(reason="Choose why you are flagging this post.")
    if post.author_id == actor.pk:
        raise invalid(post="You cannot flag your own post; edit or delete it instead.")
    if Flag.objects.filter(post=post, reporter=actor).exists():
        raise invalid(post="You already flagged this post; a facilitator will look at it.")
    flag = Flag.objects.create(post=post, reporter=actor, reason=reason, note=(note or "").strip()[:300])
    cohort = post.thread.prompt.cohort
    emit(DiscussionVerb.POST_FLAGGED, organization=cohort.organization, actor=actor, cohort=cohort,
         subject=post, payload=_payload(post, flag_id=flag.pk, reason=reason))
    return flag


def _hide(actor, post: Post) -> bool:
    if post.hidden_at is not None:
        return False
    post.hidden_at, post.hidden_by = timezone.now(), actor
    post.save(update_fields=["hidden_at", "hidden_by"])
    thread_changed(post.thread_id)
    FeedItem.objects.filter(post=post).update(visible=False)
    feed_changed(post.thread.prompt.cohort_id)
    cohort = post.thread.prompt.cohort
    audit.record(actor=actor, action="post.hide", target=post, organization=cohort.organization,
                 changes={"hidden": [False, True]})
    emit(DiscussionVerb.POST_HIDDEN, organization=cohort.organization, actor=actor, cohort=cohort,
         subject=post, payload=_payload(post, words=post.word_count))
    return True


@transaction.atomic
def flag_resolve(*, actor, flag: Flag, outcome: str, note: str = "") -> Flag:
    """Resolve a flag: upheld hides the post, dismissed leaves it. A learner
    moderator may resolve low-risk flags (spam, off topic) only."""
    post = flag.post
    cohort = post.thread.prompt.cohort
    if not _may_resolve(actor, flag):
        raise PermissionDenied("Only facilitators resolve this kind of flag.")
    if outcome not in FlagOutcome.values:
        raise invalid(outcome="Choose upheld or dismissed.")
    if flag.resolved_at is not None:
        raise invalid(outcome="This flag is already resolved.")
    flag.resolved_at, flag.resolved_by = timezone.now(), actor
    flag.outcome, flag.resolution_note = outcome, (note or "").strip()[:300]
    flag.save(update_fields=["resolved_at", "resolved_by", "outcome", "resolution_note"])
    audit.record(actor=actor, action="flag.resolve", target=flag, organization=cohort.organization,
                 changes={"outcome": [None, outcome]})
    emit(DiscussionVerb.FLAG_RESOLVED, organization=cohort.organization, actor=actor, cohort=cohort,
         subject=post, payload=_payload(post, flag_id=flag.pk, reason=flag.reason, outcome=outcome))
    if outcome == FlagOutcome.UPHELD:
        _hide(actor, post)
    return flag


def _may_resolve(actor, flag: Flag) -> bool:
    from core import policy

    cohort = flag.post.thread.prompt.cohort
    if policy.allows(actor, "prompt.manage", cohort):
        return True
    return flag.low_risk and policy.allows(actor, "flag.resolve_low_risk", cohort)


@transaction.atomic
def post_hide(*, actor, post: Post) -> Post:
    require(actor, "prompt.manage", post.thread.prompt.cohort)
    _hide(actor, post)
    return post


@transaction.atomic
def post_restore(*, actor, post: Post) -> Post:
    cohort = post.thread.prompt.cohort
    require(actor, "prompt.manage", cohort)
    if post.hidden_at is None:
        return post
    post.hidden_at, post.hidden_by = None, None
    post.save(update_fields=["hidden_at", "hidden_by"])
    thread_changed(post.thread_id)
    if post.deleted_at is None:
        FeedItem.objects.filter(post=post).update(visible=True)
        feed_changed(cohort.pk)
    audit.record(actor=actor, action="post.restore", target=post, organization=cohort.organization,
                 changes={"hidden": [True, False]})
    emit(DiscussionVerb.POST_RESTORED, organization=cohort.organization, actor=actor, cohort=cohort,
         subject=post, payload=_payload(post))
    if post.role and post.deleted_at is None:
        # A restored deliverable may be the last role the thread was missing.
        squad_milestone_check(thread=post.thread, completing_post=post)
    return post


@transaction.atomic
def thread_lock(*, actor, thread: Thread, locked: bool = True) -> Thread:
    cohort = thread.prompt.cohort
    require(actor, "prompt.manage", cohort)
    if (thread.locked_at is not None) == locked:
        return thread
    thread.locked_at, thread.locked_by = (timezone.now(), actor) if locked else (None, None)
    thread.save(update_fields=["locked_at", "locked_by"])
    thread_changed(thread.pk)
    audit.record(actor=actor, action="thread.lock" if locked else "thread.unlock", target=thread,
                 organization=cohort.organization, changes={"locked": [not locked, locked]})
    emit(DiscussionVerb.THREAD_LOCKED if locked else DiscussionVerb.THREAD_UNLOCKED,
         organization=cohort.organization, actor=actor, cohort=cohort, subject=thread,
         payload={"thread_id": thread.pk, "squad_id": thread.squad_id, "prompt_id": thread.prompt_id})
    return thread


MESSAGE_MAX_LENGTH = 500


@transaction.atomic
def author_message(*, actor, post: Post, text: str) -> Notification:
    """A facilitator writes to a post's author privately: an in-app notification
    that links to the post, kept in the audit log."""
    cohort = post.thread.prompt.cohort
    require(actor, "prompt.manage", cohort)
    text = (text or "").strip()
    if not text:
        raise invalid(text="Write the message first.")
    if len(text) > MESSAGE_MAX_LENGTH:
        raise invalid(text=f"Keep the message to {MESSAGE_MAX_LENGTH} characters (it has {len(text)}).")
    if post.author_id == actor.pk:
        raise invalid(post="This is your own post.")
    event = emit(DiscussionVerb.AUTHOR_MESSAGED, organization=cohort.organization, actor=actor, cohort=cohort,
                 subject=post, payload=_payload(post, words=len(text.split())))
    notification = Notification.objects.create(
        user_id=post.author_id, organization=cohort.organization, kind="facilitator_message",
        title=f"{actor.display_name} wrote to you about your post"[:200], body=text,
        url=f"{reverse('discussions:thread', args=[post.thread_id])}#post-{post.pk}", source_event=event,
    )
    audit.record(actor=actor, action="post.message_author", target=post, organization=cohort.organization,
                 changes={"message": [None, text]})
    return notification


MODERATOR_ROLES = (CohortRole.LEARNER, CohortRole.PEER_MENTOR)


@transaction.atomic
def moderator_set(*, actor, membership: CohortMembership) -> CohortMembership:
    """Make a learner the cohort's moderator now (the previous one steps down). The pick
    lasts until the weekly rotation (`moderators_rotate`) turns the cohort's next week."""
    cohort = membership.cohort
    require(actor, "prompt.manage", cohort)
    if membership.role not in MODERATOR_ROLES:
        raise invalid(membership="Learner moderators are learners or peer mentors.")
    # The same lock as the rotation, so a pick racing a Monday rotation cannot leave two moderators.
    Cohort.objects.select_for_update().filter(pk=cohort.pk).first()
    previous = list(CohortMembership.objects.filter(cohort=cohort, is_moderator=True)
                    .exclude(pk=membership.pk).values_list("user_id", flat=True))
    since = timezone.now()
    CohortMembership.objects.filter(cohort=cohort, is_moderator=True).update(is_moderator=False)
    CohortMembership.objects.filter(pk=membership.pk).update(is_moderator=True, moderator_since=since)
    membership.is_moderator, membership.moderator_since = True, since
    audit.record(actor=actor, action="moderator.set", target=membership, organization=cohort.organization,
                 changes={"moderator": [previous[0] if previous else None, membership.user_id]})
    return membership


def week_start(moment: dt.datetime, timezone_name: str) -> dt.datetime:
    """Monday 00:00 of the week containing `moment`, in the given timezone."""
    zone = zoneinfo.ZoneInfo(timezone_name)
    local = moment.astimezone(zone)
    monday = local.date() - dt.timedelta(days=local.weekday())
    return dt.datetime.combine(monday, dt.time.min, tzinfo=zone)


def moderators_rotate(*, now: dt.datetime | None = None) -> list[CohortMembership]:
    """Hand each active cohort's learner-moderator role to the next member once the
    cohort's week has turned. Run hourly by beat; returns the new moderators.

    When: a cohort rotates when its current moderator started before Monday 00:00 of
    the current week in the cohort's timezone (a facilitator's mid-week pick therefore
    lasts until the next Monday), when the moderator's start is unknown, or when it
    has no moderator and has eligible members. Draft and archived cohorts are left
    alone; a cohort without eligible members is skipped.

    Who (the fair rule): eligible are the cohort's learners and peer mentors with an
    active account. The next moderator is the eligible member who moderated least
    recently: never-moderated members first, then the oldest `moderator_since`; ties
    go by full name, then membership id. The current moderator is never chosen again
    while anyone else is eligible (a sole eligible member simply serves another week).
    So, while the cohort's members stay the same, everyone moderates once before
    anyone moderates twice: in any n consecutive weeks with n eligible members, each
    moderates exactly once.

    Each cohort rotates in its own transaction holding its cohort row's lock, so two
    workers or a duplicate beat tick rotate it once; the moderator's new
    `moderator_since` makes a second run in the same week a no-op. A cohort that fails
    does not stop the others; the error is raised at the end so the task retries.
    """
    now = now or timezone.now()
    appointed: list[CohortMembership] = []
    failed: list[int] = []
    cohort_ids = Cohort.objects.filter(state=CohortState.ACTIVE).order_by("pk").values_list("pk", flat=True)
    for cohort_id in list(cohort_ids):
        try:
            membership = _cohort_moderator_rotate(cohort_id=cohort_id, now=now)
        except Exception:
            logger.exception("Rotating the learner moderator of cohort %s failed", cohort_id)
            failed.append(cohort_id)
            continue
        if membership is not None:
            appointed.append(membership)
    if failed:
        raise RuntimeError(f"Rotating learner moderators failed for cohorts {failed}.")
    return appointed


@transaction.atomic
def _cohort_moderator_rotate(*, cohort_id: int, now: dt.datetime) -> CohortMembership | None:
    cohort = (Cohort.objects.select_for_update(of=("self",)).select_related("organization")
              .filter(pk=cohort_id, state=CohortState.ACTIVE).first())
    if cohort is None:  # archived or deleted since the list was read
        return None
    current = (CohortMembership.objects.filter(cohort=cohort, is_moderator=True)
               .order_by(F("moderator_since").desc(nulls_last=True), "pk").first())
    if current is not None and current.moderator_since is not None \
            and current.moderator_since >= week_start(now, cohort.timezone):
        return None
    eligible = (CohortMembership.objects.filter(cohort=cohort, role__in=MODERATOR_ROLES, user__is_active=True)
                .select_related("user")
                .order_by(F("moderator_since").asc(nulls_first=True), "user__full_name", "pk"))
    successor = eligible.exclude(pk=current.pk).first() if current is not None else eligible.first()
    if successor is None and current is not None:
        successor = eligible.filter(pk=current.pk).first()
    if successor is None:
        return None
    previous_user_id = current.user_id if current is not None else None
    CohortMembership.objects.filter(cohort=cohort, is_moderator=True).exclude(pk=successor.pk) \
        .update(is_moderator=False)
    CohortMembership.objects.filter(pk=successor.pk).update(is_moderator=True, moderator_since=now)
    successor.is_moderator, successor.moderator_since = True, now
    audit.record(actor=None, action="moderator.rotate", target=successor, organization=cohort.organization,
                 changes={"moderator": [previous_user_id, successor.user_id]})
    event = emit(DiscussionVerb.MODERATOR_ROTATED, organization=cohort.organization, cohort=cohort,
                 subject=successor, payload={"cohort_id": cohort.pk, "user_id": successor.user_id,
                                             "previous_user_id": previous_user_id})
    Notification.objects.create(
        user_id=successor.user_id, organization=cohort.organization, kind="learner_moderator",
        title=f"You are this week's learner moderator of {cohort.name}"[:200],
        body="Until next Monday you may resolve spam and off-topic flags in the moderation queue; "
             "everything else stays with the facilitators.",
        url=reverse("discussions:moderation"), source_event=event,
    )
    return successor

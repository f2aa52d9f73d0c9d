"""Writes for moderation: flags and their resolution, hiding and restoring
posts, locking threads, messaging a post's author, choosing the week's learner
moderator. Every action is audited."""

from __future__ import annotations

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from cohorts.models import CohortMembership, CohortRole
from core import audit
from core.errors import PermissionDenied
from core.events import emit
from core.models import Notification

from ..events import DiscussionVerb
from ..models import FeedItem, Flag, FlagOutcome, FlagReason, Post, Thread
from ._common import invalid, require


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
    FeedItem.objects.filter(post=post).update(visible=False)
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
    if post.deleted_at is None:
        FeedItem.objects.filter(post=post).update(visible=True)
    audit.record(actor=actor, action="post.restore", target=post, organization=cohort.organization,
                 changes={"hidden": [True, False]})
    emit(DiscussionVerb.POST_RESTORED, organization=cohort.organization, actor=actor, cohort=cohort,
         subject=post, payload=_payload(post))
    return post


@transaction.atomic
def thread_lock(*, actor, thread: Thread, locked: bool = True) -> Thread:
    cohort = thread.prompt.cohort
    require(actor, "prompt.manage", cohort)
    if (thread.locked_at is not None) == locked:
        return thread
    thread.locked_at, thread.locked_by = (timezone.now(), actor) if locked else (None, None)
    thread.save(update_fields=["locked_at", "locked_by"])
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


@transaction.atomic
def moderator_set(*, actor, membership: CohortMembership) -> CohortMembership:
    """Make a learner this week's moderator of their cohort (the previous one steps down)."""
    cohort = membership.cohort
    require(actor, "prompt.manage", cohort)
    if membership.role not in (CohortRole.LEARNER, CohortRole.PEER_MENTOR):
        raise invalid(membership="Learner moderators are learners or peer mentors.")
    previous = list(CohortMembership.objects.filter(cohort=cohort, is_moderator=True)
                    .exclude(pk=membership.pk).values_list("user_id", flat=True))
    CohortMembership.objects.filter(cohort=cohort, is_moderator=True).update(is_moderator=False)
    CohortMembership.objects.filter(pk=membership.pk).update(is_moderator=True)
    membership.is_moderator = True
    audit.record(actor=actor, action="moderator.set", target=membership, organization=cohort.organization,
                 changes={"moderator": [previous[0] if previous else None, membership.user_id]})
    return membership

"""Writes for social proof and micro-commitments: endorsements, Top Take
nominations and picks, micro-tasks done."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from cohorts.models import CohortStep, StepKind
from core import audit
from core.events import emit
from core.markdown import excerpt

from ..events import DiscussionVerb
from ..models import Endorsement, FeedItem, FeedKind, MicroTaskCompletion, Post, TopTake, TopTakeNomination
from ._common import feed_changed, invalid, require, thread_changed


def _visible_post(post: Post) -> None:
    if post.deleted_at or post.hidden_at:
        raise invalid(post="This post is no longer shown.")


def _payload(post: Post, **extra) -> dict:
    thread = post.thread
    return {"post_id": post.pk, "thread_id": thread.pk, "squad_id": thread.squad_id,
            "author_id": post.author_id, "words": post.word_count, **extra}


@transaction.atomic
def endorsement_toggle(*, actor, post: Post, text: str = "") -> Endorsement | None:
    """Mark a post helpful (with an optional one-line endorsement), or take the
    mark back. Returns the endorsement, or None when it was removed."""
    require(actor, "post.react", post)
    _visible_post(post)
    if post.author_id == actor.pk:
        raise invalid(post="You cannot endorse your own post.")
    text = (text or "").strip()
    if len(text) > 140:
        raise invalid(text="Keep the endorsement to one line (140 characters).")
    cohort = post.thread.prompt.cohort
    existing = Endorsement.objects.filter(post=post, user=actor).first()
    if existing is not None:
        FeedItem.objects.filter(post=post, actor=actor, kind=FeedKind.ENDORSEMENT).delete()
        feed_changed(cohort.pk)
        existing.delete()
        thread_changed(post.thread_id)
        emit(DiscussionVerb.POST_UNENDORSED, organization=cohort.organization, actor=actor, cohort=cohort,
             subject=post, payload=_payload(post, endorser_id=actor.pk))
        return None
    try:
        with transaction.atomic():
            endorsement = Endorsement.objects.create(post=post, user=actor, text=text)
    except IntegrityError:  # a double click racing itself
        return Endorsement.objects.get(post=post, user=actor)
    thread_changed(post.thread_id)
    FeedItem.objects.create(cohort=cohort, kind=FeedKind.ENDORSEMENT, actor=actor, post=post, text=text)
    feed_changed(cohort.pk)
    emit(DiscussionVerb.POST_ENDORSED, organization=cohort.organization, actor=actor, cohort=cohort,
         subject=post, payload=_payload(post, endorser_id=actor.pk, text=text))
    return endorsement


@transaction.atomic
def top_take_nominate(*, actor, post: Post) -> TopTakeNomination:
    require(actor, "post.react", post)
    _visible_post(post)
    nomination, created = TopTakeNomination.objects.get_or_create(post=post, user=actor)
    if created:
        cohort = post.thread.prompt.cohort
        emit(DiscussionVerb.TOP_TAKE_NOMINATED, organization=cohort.organization, actor=actor,
             cohort=cohort, subject=post, payload=_payload(post, nominator_id=actor.pk))
    return nomination


@transaction.atomic
def top_take_select(*, actor, post: Post, reason: str) -> TopTake:
    """A facilitator marks a post as Top Take with a one-line reason."""
    cohort = post.thread.prompt.cohort
    require(actor, "prompt.manage", cohort)
    _visible_post(post)
    reason = (reason or "").strip()
    if not reason:
        raise invalid(reason="Say in one line why this post stands out.")
    if len(reason) > 200:
        raise invalid(reason="Keep the reason to one line (200 characters).")
    if TopTake.objects.filter(post=post).exists():
        raise invalid(post="This post is already a Top Take.")
    top_take = TopTake.objects.create(post=post, selected_by=actor, reason=reason)
    thread_changed(post.thread_id)
    FeedItem.objects.create(cohort=cohort, kind=FeedKind.TOP_TAKE, actor=actor, post=post, text=reason)
    feed_changed(cohort.pk)
    audit.record(actor=actor, action="top_take.select", target=post, organization=cohort.organization,
                 changes={"top_take": [None, reason]})
    emit(DiscussionVerb.TOP_TAKE_SELECTED, organization=cohort.organization, actor=actor, cohort=cohort,
         subject=post, payload=_payload(post, reason=reason,
                                        nominations=TopTakeNomination.objects.filter(post=post).count()))
    return top_take


@transaction.atomic
def microtask_complete(*, actor, step: CohortStep, comment: str = "") -> MicroTaskCompletion:
    """Mark a 5-10 minute task done; the short comment shows in the cohort feed."""
    require(actor, "step.complete", step)
    if step.kind != StepKind.MICROTASK:
        raise invalid(step="Only micro-tasks are marked done here.")
    comment = (comment or "").strip()
    if len(comment) > 280:
        raise invalid(comment="Keep the comment short (280 characters).")
    if MicroTaskCompletion.objects.filter(step=step, user=actor).exists():
        raise invalid(step="You already marked this task done.")
    completion = MicroTaskCompletion.objects.create(step=step, user=actor, comment=comment)
    cohort = step.cohort
    feed_changed(cohort.pk)
    FeedItem.objects.create(cohort=cohort, kind=FeedKind.MICROTASK, actor=actor, completion=completion,
                            text=excerpt(comment, length=280) or step.title)
    emit(DiscussionVerb.MICROTASK_COMPLETED, organization=cohort.organization, actor=actor, cohort=cohort,
         subject=completion, payload={"step_id": step.pk, "title": step.title, "minutes": step.minutes,
                                      "user_id": actor.pk, "comment_words": len(comment.split())})
    return completion

"""Writes for posts: create (role deliverables, replies one level deep), edit
with versions, soft delete; the squad milestone once a thread's roles are all
delivered."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone

from cohorts.models import CohortMembership
from core import audit
from core.errors import PermissionDenied
from core.events import emit
from core.markdown import excerpt, extract_mentions, render_markdown, word_count

from ..events import DiscussionVerb
from ..models import FeedItem, FeedKind, Post, PostVersion, PromptRole, RoleAssignment, Thread
from ._common import feed_changed, invalid, require, thread_changed

MAX_POST_WORDS = 2000
# Posting rate limit per person, counted in the database so every web process agrees.
POST_RATE_LIMIT = 8
POST_RATE_WINDOW = timedelta(minutes=10)


def mentioned_members(thread: Thread, body: str, *, exclude: set[int] = frozenset()) -> dict[str, int]:
    """{handle: user id} for @handles in `body` that name members of the thread's
    cohort (a handle is the part of their email before the @)."""
    handles = {h.lower() for h in extract_mentions(body)}
    if not handles:
        return {}
    found = {}
    for user_id, email in CohortMembership.objects.filter(cohort_id=thread.prompt.cohort_id).values_list(
            "user_id", "user__email"):
        handle = email.split("@", 1)[0].lower()
        if handle in handles and user_id not in exclude:
            found[handle] = user_id
    return found


def render_post(thread: Thread, body: str, mentions: dict[str, int]) -> str:
    cohort_id = thread.prompt.cohort_id
    return render_markdown(body, mention_url=lambda handle: (
        f"{reverse('portal:cohort_detail', args=[cohort_id])}#member-{mentions[handle.lower()]}"
        if handle.lower() in mentions else None))


def _check_length(body: str, role: PromptRole | None) -> int:
    words = word_count(body)
    if not body.strip():
        raise invalid(body="Write something first.")
    if role is not None:
        if words < role.min_words:
            raise invalid(body=f"Your {role.name} paragraph needs at least {role.min_words} words "
                                f"(it has {words}).")
        if words > role.max_words:
            raise invalid(body=f"Keep your {role.name} paragraph to {role.max_words} words "
                                f"(it has {words}).")
    elif words > MAX_POST_WORDS:
        raise invalid(body=f"Posts are at most {MAX_POST_WORDS} words (this one has {words}).")
    return words


def _post_payload(post: Post, thread: Thread) -> dict:
    return {"post_id": post.pk, "thread_id": thread.pk, "prompt_id": thread.prompt_id,
            "squad_id": thread.squad_id, "author_id": post.author_id, "role": post.role or None,
            "parent_id": post.parent_id, "words": post.word_count,
            # A top-level post that asks something; nudges follow up when nobody answers.
            "question": post.parent_id is None and "?" in post.body}


@transaction.atomic
def post_create(*, actor, thread: Thread, body: str, parent: Post | None = None,
                as_role: bool = False) -> Post:
    """Post in a thread, or reply to a post (one level). With `as_role`, the
    post is the author's role deliverable and must fit that role's length."""
    require(actor, "thread.post", thread)
    if thread.locked_at is not None:
        raise invalid(body="This thread is locked; it takes no new posts.")
    role = None
    if parent is not None:
        if parent.thread_id != thread.pk or parent.deleted_at or parent.hidden_at:
            raise invalid(parent="You can only reply to a visible post in this thread.")
        if parent.parent_id is not None:
            parent = parent.parent  # replies stay one level deep
    if as_role:
        held = RoleAssignment.objects.filter(thread=thread, user=actor).values_list("role", flat=True).first()
        if not held:
            raise invalid(body="You hold no role in this thread; post a reply instead.")
        role = PromptRole.objects.get(prompt_id=thread.prompt_id, name=held)
    words = _check_length(body, role)
    recent = Post.objects.filter(author=actor, created_at__gte=timezone.now() - POST_RATE_WINDOW).count()
    if recent >= POST_RATE_LIMIT:
        minutes = int(POST_RATE_WINDOW.total_seconds() // 60)
        raise invalid(body=f"You have posted {recent} times in {minutes} minutes; take a breath and "
                           "post again in a few minutes. Your text is kept below.")
    mentions = mentioned_members(thread, body, exclude={actor.pk})
    post = Post.objects.create(thread=thread, author=actor, parent=parent, role=role.name if role else "",
                               body=body, body_html=render_post(thread, body, mentions), word_count=words)
    thread_changed(thread.pk)
    cohort = thread.prompt.cohort
    feed_changed(cohort.pk)
    FeedItem.objects.create(cohort=cohort, kind=FeedKind.POST, actor=actor, post=post,
                            text=excerpt(body, length=280))
    verb = DiscussionVerb.REPLY_CREATED if parent is not None else DiscussionVerb.POST_CREATED
    emit(verb, organization=cohort.organization, actor=actor, cohort=cohort, subject=post,
         payload={**_post_payload(post, thread), "mentioned_user_ids": sorted(mentions.values())})
    if post.role:
        squad_milestone_check(thread=thread, completing_post=post)
    return post


def squad_milestone_check(*, thread: Thread, completing_post: Post) -> bool:
    """Record the squad milestone when `completing_post` (a role deliverable just
    posted or restored) made every role of the prompt delivered in its thread,
    and emit it: once per thread, ever. Call inside the writing transaction.

    A role is delivered when the member now assigned it has a live (neither
    deleted nor hidden) post marked with it, as post_create marks a deliverable.
    Returns True when this call reached the milestone."""
    # The row lock makes a second final post wait for the first to commit, so it
    # sees that post below: neither both emit, nor both miss the last role.
    # NO KEY UPDATE, as the lock of posts' inserts (KEY SHARE) must not conflict.
    reached = (Thread.objects.select_for_update(no_key=True).filter(pk=thread.pk).order_by()
               .values_list("milestone_reached_at", flat=True).first())
    if reached is not None:
        return False
    delivered_by = Post.objects.filter(
        thread=thread, role=OuterRef("name"), deleted_at__isnull=True, hidden_at__isnull=True,
        author__role_assignments__thread=thread, author__role_assignments__role=OuterRef("name"),
    ).order_by("created_at", "id").values("author_id")[:1]
    roles = list(PromptRole.objects.filter(prompt_id=thread.prompt_id)
                 .annotate(member_id=Subquery(delivered_by)).values_list("name", "member_id"))
    if not roles or any(member_id is None for _, member_id in roles):
        return False
    reached_at = timezone.now()
    if not Thread.objects.filter(pk=thread.pk, milestone_reached_at__isnull=True).update(
            milestone_reached_at=reached_at):
        return False
    thread.milestone_reached_at = reached_at
    cohort = thread.prompt.cohort
    emit(DiscussionVerb.SQUAD_MILESTONE_REACHED, organization=cohort.organization,
         actor=completing_post.author, cohort=cohort, subject=thread,
         payload={"thread_id": thread.pk, "prompt_id": thread.prompt_id, "squad_id": thread.squad_id,
                  "roles": [name for name, _ in roles],
                  "member_ids": sorted({member_id for _, member_id in roles})})
    return True


@transaction.atomic
def post_edit(*, actor, post: Post, body: str) -> Post:
    """The author edits their post; the previous text is kept as a version."""
    if post.author_id != actor.pk:
        raise PermissionDenied("Only the author can edit a post.")
    if post.deleted_at:
        raise invalid(body="This post was deleted.")
    thread = post.thread
    if thread.locked_at is not None:
        raise invalid(body="This thread is locked; posts can no longer change.")
    role = None
    if post.role:
        role = PromptRole.objects.filter(prompt_id=thread.prompt_id, name=post.role).first()
    words = _check_length(body, role)
    if body == post.body:
        return post
    PostVersion.objects.create(post=post, body=post.body, body_html=post.body_html,
                               created_at=post.edited_at or post.created_at, edited_by=actor)
    mentions = mentioned_members(thread, body, exclude={actor.pk})
    already = set(mentioned_members(thread, post.body).values())
    post.body, post.body_html, post.word_count = body, render_post(thread, body, mentions), words
    post.edited_at = timezone.now()
    post.save(update_fields=["body", "body_html", "word_count", "edited_at"])
    thread_changed(post.thread_id)
    cohort = thread.prompt.cohort
    FeedItem.objects.filter(post=post, kind=FeedKind.POST).update(text=excerpt(body, length=280))
    feed_changed(cohort.pk)
    emit(DiscussionVerb.POST_EDITED, organization=cohort.organization, actor=actor, cohort=cohort,
         subject=post, payload={**_post_payload(post, thread),
                                # Only people newly mentioned by the edit are notified.
                                "mentioned_user_ids": sorted(set(mentions.values()) - already)})
    return post


@transaction.atomic
def post_delete(*, actor, post: Post) -> Post:
    """The author deletes their own post: hidden from readers, kept for the audit."""
    if post.author_id != actor.pk:
        raise PermissionDenied("Only the author can delete a post.")
    if post.deleted_at:
        return post
    post.deleted_at = timezone.now()
    post.save(update_fields=["deleted_at"])
    thread_changed(post.thread_id)
    FeedItem.objects.filter(post=post).update(visible=False)
    feed_changed(post.thread.prompt.cohort_id)
    thread = post.thread
    cohort = thread.prompt.cohort
    audit.record(actor=actor, action="post.delete", target=post, organization=cohort.organization,
                 changes={"deleted": [False, True]})
    emit(DiscussionVerb.POST_DELETED, organization=cohort.organization, actor=actor, cohort=cohort,
         subject=post, payload=_post_payload(post, thread))
    return post

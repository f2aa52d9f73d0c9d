"""Writes for prompts, role assignments and posts: one transaction each, with
the domain event and (for facilitator actions) the audit row."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from cohorts.models import Cohort, CohortMembership, CohortRole, Squad
from core import audit, policy
from core.errors import ApplicationError, PermissionDenied
from core.events import emit

from . import rotation
from .events import DiscussionVerb
from .markdown import render_markdown, word_count
from .models import Post, PostVersion, Prompt, PromptRole, PromptState, RoleAssignment, Thread

DEFAULT_ROLES = [
    {"name": "questioner", "deliverable": "Ask the question that would move the squad's thinking furthest.",
     "min_words": 20, "max_words": 120},
    {"name": "summarizer", "deliverable": "Summarise where the squad agrees and where it does not.",
     "min_words": 40, "max_words": 200},
    {"name": "challenger", "deliverable": "Challenge one assumption in the thread with an example.",
     "min_words": 30, "max_words": 160},
]
PARTICIPANT_ROLES = [CohortRole.LEARNER, CohortRole.PEER_MENTOR]
MAX_POST_WORDS = 2000


def _require(actor, permission: str, obj=None) -> None:
    if not policy.allows(actor, permission, obj):
        raise PermissionDenied("You do not have permission to do that.")


def _invalid(**errors: str) -> ApplicationError:
    return ApplicationError("Please correct the errors below.",
                            errors={field: [message] for field, message in errors.items()})


@transaction.atomic
def prompt_create(
    *,
    actor,
    cohort: Cohort,
    title: str,
    body: str,
    due_at: dt.datetime,
    minutes: int = 20,
    roles: list[dict] | None = None,
    step=None,
) -> Prompt:
    """A draft prompt with its roles (the default three when none are given)."""
    _require(actor, "prompt.manage", cohort)
    prompt = Prompt(cohort=cohort, title=(title or "").strip(), body=body or "", due_at=due_at,
                    minutes=minutes, created_by=actor, step=step)
    try:
        prompt.full_clean(exclude=["created_by"])
    except ValidationError as exc:
        raise ApplicationError("Please correct the errors below.",
                               errors={k: [str(m) for m in v] for k, v in exc.message_dict.items()}) from exc
    prompt.save()
    role_rows = []
    seen = set()
    for order, spec in enumerate(roles if roles is not None else DEFAULT_ROLES):
        name = (spec.get("name") or "").strip().lower()
        if not name or name in seen:
            raise _invalid(roles=f"Role {order + 1} needs a name that no other role has.")
        seen.add(name)
        role = PromptRole(prompt=prompt, name=name, deliverable=spec.get("deliverable", ""),
                          min_words=spec.get("min_words", 40), max_words=spec.get("max_words", 200),
                          order=order)
        try:
            role.full_clean(exclude=["prompt"])
        except ValidationError as exc:
            raise ApplicationError("Please correct the errors below.", errors={
                f"roles.{order}.{k}": [str(m) for m in v] for k, v in exc.message_dict.items()}) from exc
        role_rows.append(role)
    if not role_rows:
        raise _invalid(roles="A prompt needs at least one role.")
    PromptRole.objects.bulk_create(role_rows)
    audit.record(actor=actor, action="prompt.create", target=prompt, organization=cohort.organization,
                 changes={"title": [None, prompt.title]})
    return prompt


def _squad_history(squad: Squad | None, cohort: Cohort, before: Prompt) -> list[dict[int, str | None]]:
    """What each member of the squad held on the cohort's earlier published prompts, oldest first."""
    rows = (
        RoleAssignment.objects.filter(thread__squad=squad, thread__prompt__cohort=cohort,
                                      thread__prompt__state=PromptState.PUBLISHED)
        .exclude(thread__prompt=before)
        .order_by("thread__prompt__published_at", "thread__prompt_id")
        .values_list("thread__prompt_id", "user_id", "role")
    )
    by_prompt: dict[int, dict[int, str | None]] = defaultdict(dict)
    for prompt_id, user_id, role in rows:
        by_prompt[prompt_id][user_id] = role or None
    return list(by_prompt.values())


@transaction.atomic
def prompt_publish(*, actor, prompt: Prompt) -> list[Thread]:
    """Open one thread per squad and give each squad's members their roles, in a
    fair rotation over the cohort's prompts (see discussions.rotation)."""
    _require(actor, "prompt.manage", prompt.cohort)
    prompt = Prompt.objects.select_for_update().get(pk=prompt.pk)
    if prompt.state == PromptState.PUBLISHED:
        raise _invalid(state="This prompt is already published.")
    cohort = prompt.cohort
    role_names = list(prompt.roles.values_list("name", flat=True))
    members_by_squad: dict[int | None, list[int]] = defaultdict(list)
    for user_id, squad_id in (
        CohortMembership.objects.filter(cohort=cohort, role__in=PARTICIPANT_ROLES)
        .order_by("joined_at", "pk").values_list("user_id", "squad_id")
    ):
        members_by_squad[squad_id].append(user_id)
    squads = {s.pk: s for s in Squad.objects.filter(cohort=cohort)}
    prompt.state = PromptState.PUBLISHED
    prompt.published_at = timezone.now()
    prompt.save(update_fields=["state", "published_at"])
    # Squads discuss in their own thread; a cohort without squads shares one.
    targets = list(squads.values()) or [None]
    threads = []
    payload_base = {"prompt_id": prompt.pk, "title": prompt.title, "due_at": prompt.due_at.isoformat()}
    for squad in targets:
        thread = Thread.objects.create(prompt=prompt, squad=squad)
        threads.append(thread)
        members = members_by_squad.get(squad.pk if squad else None, []) if squad else \
            [uid for ids in members_by_squad.values() for uid in ids]
        assignment = rotation.assign_roles(members, roles=role_names,
                                           history=_squad_history(squad, cohort, prompt))
        RoleAssignment.objects.bulk_create(
            RoleAssignment(thread=thread, user_id=user_id, role=role or "")
            for user_id, role in assignment.items()
        )
        for user_id, role in assignment.items():
            if role:
                emit(DiscussionVerb.ROLE_ASSIGNED, organization=cohort.organization, actor=actor,
                     cohort=cohort, subject=thread,
                     payload={**payload_base, "thread_id": thread.pk, "squad_id": getattr(squad, "pk", None),
                              "user_id": user_id, "role": role})
    emit(DiscussionVerb.PROMPT_PUBLISHED, organization=cohort.organization, actor=actor, cohort=cohort,
         subject=prompt, payload={**payload_base, "thread_ids": [t.pk for t in threads],
                                  "roles": role_names})
    audit.record(actor=actor, action="prompt.publish", target=prompt, organization=cohort.organization,
                 changes={"state": [PromptState.DRAFT, PromptState.PUBLISHED]})
    return threads


@transaction.atomic
def roles_swap(*, actor, thread: Thread, first_user_id: int, second_user_id: int) -> None:
    """A facilitator trades two members' roles in a thread (either may have none)."""
    cohort = thread.prompt.cohort
    _require(actor, "prompt.manage", cohort)
    rows = {a.user_id: a for a in RoleAssignment.objects.select_for_update().filter(
        thread=thread, user_id__in=[first_user_id, second_user_id])}
    if len(rows) != 2 or first_user_id == second_user_id:
        raise _invalid(users="Choose two different members of this thread.")
    first, second = rows[first_user_id], rows[second_user_id]
    first.role, second.role = second.role, first.role
    first.swapped = second.swapped = True
    RoleAssignment.objects.bulk_update([first, second], ["role", "swapped"])
    changes = {f"user {first_user_id}": [second.role or None, first.role or None],
               f"user {second_user_id}": [first.role or None, second.role or None]}
    audit.record(actor=actor, action="roles.swap", target=thread, organization=cohort.organization,
                 changes=changes)
    emit(DiscussionVerb.ROLES_SWAPPED, organization=cohort.organization, actor=actor, cohort=cohort,
         subject=thread, payload={
             "thread_id": thread.pk, "squad_id": thread.squad_id,
             "roles": {str(first_user_id): first.role, str(second_user_id): second.role}})


def _check_length(body: str, role: PromptRole | None) -> int:
    words = word_count(body)
    if not body.strip():
        raise _invalid(body="Write something first.")
    if role is not None:
        if words < role.min_words:
            raise _invalid(body=f"Your {role.name} paragraph needs at least {role.min_words} words "
                                f"(it has {words}).")
        if words > role.max_words:
            raise _invalid(body=f"Keep your {role.name} paragraph to {role.max_words} words "
                                f"(it has {words}).")
    elif words > MAX_POST_WORDS:
        raise _invalid(body=f"Posts are at most {MAX_POST_WORDS} words (this one has {words}).")
    return words


def _post_payload(post: Post, thread: Thread) -> dict:
    return {"post_id": post.pk, "thread_id": thread.pk, "prompt_id": thread.prompt_id,
            "squad_id": thread.squad_id, "author_id": post.author_id, "role": post.role or None,
            "parent_id": post.parent_id, "words": post.word_count}


@transaction.atomic
def post_create(*, actor, thread: Thread, body: str, parent: Post | None = None,
                as_role: bool = False) -> Post:
    """Post in a thread, or reply to a post (one level). With `as_role`, the
    post is the author's role deliverable and must fit that role's length."""
    _require(actor, "thread.post", thread)
    if thread.locked_at is not None:
        raise _invalid(body="This thread is locked; it takes no new posts.")
    role = None
    if parent is not None:
        if parent.thread_id != thread.pk or parent.deleted_at or parent.hidden_at:
            raise _invalid(parent="You can only reply to a visible post in this thread.")
        if parent.parent_id is not None:
            parent = parent.parent  # replies stay one level deep
    if as_role:
        held = RoleAssignment.objects.filter(thread=thread, user=actor).values_list("role", flat=True).first()
        if not held:
            raise _invalid(body="You hold no role in this thread; post a reply instead.")
        role = PromptRole.objects.get(prompt_id=thread.prompt_id, name=held)
    words = _check_length(body, role)
    post = Post.objects.create(thread=thread, author=actor, parent=parent, role=role.name if role else "",
                               body=body, body_html=render_markdown(body), word_count=words)
    cohort = thread.prompt.cohort
    verb = DiscussionVerb.REPLY_CREATED if parent is not None else DiscussionVerb.POST_CREATED
    emit(verb, organization=cohort.organization, actor=actor, cohort=cohort, subject=post,
         payload=_post_payload(post, thread))
    return post


@transaction.atomic
def post_edit(*, actor, post: Post, body: str) -> Post:
    """The author edits their post; the previous text is kept as a version."""
    if post.author_id != actor.pk:
        raise PermissionDenied("Only the author can edit a post.")
    if post.deleted_at:
        raise _invalid(body="This post was deleted.")
    thread = post.thread
    if thread.locked_at is not None:
        raise _invalid(body="This thread is locked; posts can no longer change.")
    role = None
    if post.role:
        role = PromptRole.objects.filter(prompt_id=thread.prompt_id, name=post.role).first()
    words = _check_length(body, role)
    if body == post.body:
        return post
    PostVersion.objects.create(post=post, body=post.body, body_html=post.body_html,
                               created_at=post.edited_at or post.created_at, edited_by=actor)
    post.body, post.body_html, post.word_count = body, render_markdown(body), words
    post.edited_at = timezone.now()
    post.save(update_fields=["body", "body_html", "word_count", "edited_at"])
    cohort = thread.prompt.cohort
    emit(DiscussionVerb.POST_EDITED, organization=cohort.organization, actor=actor, cohort=cohort,
         subject=post, payload=_post_payload(post, thread))
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
    thread = post.thread
    cohort = thread.prompt.cohort
    audit.record(actor=actor, action="post.delete", target=post, organization=cohort.organization,
                 changes={"deleted": [False, True]})
    emit(DiscussionVerb.POST_DELETED, organization=cohort.organization, actor=actor, cohort=cohort,
         subject=post, payload=_post_payload(post, thread))
    return post

"""Writes for prompts and their roles: create, publish (threads and a fair
role rotation per squad), swap roles."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from cohorts.models import Cohort, CohortMembership, CohortRole, Squad
from core import audit
from core.errors import ApplicationError
from core.events import emit

from .. import rotation
from ..events import DiscussionVerb
from ..models import Prompt, PromptRole, PromptState, RoleAssignment, Thread
from ._common import invalid, require, thread_changed

DEFAULT_ROLES = [
    {"name": "questioner", "deliverable": "Ask the question that would move the squad's thinking furthest.",
     "min_words": 20, "max_words": 120},
    {"name": "summarizer", "deliverable": "Summarise where the squad agrees and where it does not.",
     "min_words": 40, "max_words": 200},
    {"name": "challenger", "deliverable": "Challenge one assumption in the thread with an example.",
     "min_words": 30, "max_words": 160},
]
PARTICIPANT_ROLES = [CohortRole.LEARNER, CohortRole.PEER_MENTOR]


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
    require(actor, "prompt.manage", cohort)
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
            raise invalid(roles=f"Role {order + 1} needs a name that no other role has.")
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
        raise invalid(roles="A prompt needs at least one role.")
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
    require(actor, "prompt.manage", prompt.cohort)
    prompt = Prompt.objects.select_for_update(of=("self",)).order_by().get(pk=prompt.pk)
    if prompt.state == PromptState.PUBLISHED:
        raise invalid(state="This prompt is already published.")
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
    require(actor, "prompt.manage", cohort)
    # Lock only the two rows (no joins: the default ordering would join the
    # nullable squad, which PostgreSQL refuses to lock).
    locked = RoleAssignment.objects.select_for_update(of=("self",)).order_by("pk")
    rows = {a.user_id: a for a in locked.filter(
        thread=thread, user_id__in=[first_user_id, second_user_id])}
    if len(rows) != 2 or first_user_id == second_user_id:
        raise invalid(users="Choose two different members of this thread.")
    first, second = rows[first_user_id], rows[second_user_id]
    first.role, second.role = second.role, first.role
    first.swapped = second.swapped = True
    RoleAssignment.objects.bulk_update([first, second], ["role", "swapped"])
    thread_changed(thread.pk)
    changes = {f"user {first_user_id}": [second.role or None, first.role or None],
               f"user {second_user_id}": [first.role or None, second.role or None]}
    audit.record(actor=actor, action="roles.swap", target=thread, organization=cohort.organization,
                 changes=changes)
    emit(DiscussionVerb.ROLES_SWAPPED, organization=cohort.organization, actor=actor, cohort=cohort,
         subject=thread, payload={
             "thread_id": thread.pk, "squad_id": thread.squad_id,
             "roles": {str(first_user_id): first.role, str(second_user_id): second.role}})

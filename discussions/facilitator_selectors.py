"""Reads for the facilitator pages: a cohort's prompts, a published prompt's
threads squad by squad, and the learner-moderator picker. Scoped by the policy
module; each read is a fixed number of queries."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404

from cohorts.models import Cohort, CohortMembership, CohortRole, CohortStep, StepKind
from core import policy

from .models import Flag, Post, Prompt, PromptRole, PromptState, RoleAssignment, Thread

MODERATOR_ROLES = [CohortRole.LEARNER, CohortRole.PEER_MENTOR]


def prompt_get(user, pk: int) -> Prompt:
    """A prompt the user may see (drafts only for those who run the cohort), or 404."""
    prompt = (policy.scope(user, Prompt.objects.all()).select_related("cohort__organization", "step")
              .filter(pk=pk).first())
    if prompt is None:
        raise Http404("No such prompt.")
    return prompt


def cohort_prompts(user, cohort: Cohort) -> list[Prompt]:
    """The cohort's prompts, drafts first, then published ones latest due first."""
    return list(
        policy.scope(user, Prompt.objects.filter(cohort=cohort))
        .annotate(thread_count=Count("threads", distinct=True), role_count=Count("roles", distinct=True))
        .order_by("state", "-due_at", "pk")
    )


def prompt_steps(cohort: Cohort) -> QuerySet[CohortStep]:
    """The cohort's journey steps of kind prompt, marked with whether a prompt was made from them."""
    return (CohortStep.objects.filter(cohort=cohort, kind=StepKind.PROMPT)
            .annotate(has_prompt=Exists(Prompt.objects.filter(step=OuterRef("pk"))))
            .order_by("opens_on", "pk"))


def prompt_step(cohort: Cohort, pk: int | str | None) -> CohortStep | None:
    if not pk or not str(pk).isdigit():
        return None
    return CohortStep.objects.filter(cohort=cohort, kind=StepKind.PROMPT, pk=int(pk)).first()


@dataclass
class ThreadOverview:
    thread: Thread
    holders: list[tuple[RoleAssignment, bool]]  # (assignment, deliverable done) for role holders
    contributors: list[RoleAssignment]
    post_count: int
    open_flags: int

    @property
    def members(self) -> list[RoleAssignment]:
        return [a for a, _ in self.holders] + self.contributors

    @property
    def delivered(self) -> int:
        return sum(1 for _, done in self.holders if done)


@dataclass
class PromptOverview:
    prompt: Prompt
    roles: list[PromptRole]
    threads: list[ThreadOverview]


def prompt_overview(prompt: Prompt) -> PromptOverview:
    """Every squad's thread of a prompt: who holds which role, which deliverables are done."""
    roles = list(PromptRole.objects.filter(prompt=prompt))
    threads = list(
        Thread.objects.filter(prompt=prompt).select_related("squad")
        .annotate(post_count=Count("posts", filter=Q(posts__deleted_at__isnull=True), distinct=True),
                  open_flags=Count("posts__flags", filter=Q(posts__flags__resolved_at__isnull=True),
                                   distinct=True))
        .order_by("squad__name", "pk")
    )
    delivered = set(Post.objects.filter(thread__prompt=prompt, deleted_at__isnull=True,
                                        hidden_at__isnull=True)
                    .exclude(role="").values_list("thread_id", "role").order_by().distinct())
    role_order = {role.name: role.order for role in roles}
    by_thread: dict[int, list[RoleAssignment]] = defaultdict(list)
    for assignment in (RoleAssignment.objects.filter(thread__prompt=prompt).select_related("user")
                       .order_by("user__full_name", "user__email")):
        by_thread[assignment.thread_id].append(assignment)
    overviews = []
    for thread in threads:
        assignments = by_thread[thread.pk]
        holders = sorted((a for a in assignments if a.role), key=lambda a: role_order.get(a.role, 99))
        overviews.append(ThreadOverview(
            thread=thread, holders=[(a, (thread.pk, a.role) in delivered) for a in holders],
            contributors=[a for a in assignments if not a.role], post_count=thread.post_count,
            open_flags=thread.open_flags))
    return PromptOverview(prompt=prompt, roles=roles, threads=overviews)


def thread_members(thread: Thread) -> list[RoleAssignment]:
    return list(RoleAssignment.objects.filter(thread=thread).select_related("user")
                .order_by("user__full_name", "user__email"))


@dataclass
class ModeratorPicker:
    cohort: Cohort
    current: CohortMembership | None
    choices: list[CohortMembership]


def moderator_pickers(user) -> list[ModeratorPicker]:
    """For each active cohort the user runs: its learners and who moderates this week."""
    roles = policy.roles(user)
    cohorts = policy.scope(user, Cohort.objects.exclude(state="archived"))
    if not roles.is_hr_admin and not policy.is_operator(user):
        cohorts = cohorts.filter(pk__in=list(roles.facilitated_cohort_ids))
    cohorts = list(cohorts.order_by("name", "pk"))
    members: dict[int, list[CohortMembership]] = defaultdict(list)
    for membership in (CohortMembership.objects.filter(cohort__in=[c.pk for c in cohorts],
                                                       role__in=MODERATOR_ROLES)
                       .select_related("user").order_by("user__full_name", "user__email")):
        members[membership.cohort_id].append(membership)
    return [ModeratorPicker(cohort=c, current=next((m for m in members[c.pk] if m.is_moderator), None),
                            choices=members[c.pk]) for c in cohorts]


def flag_get(user, pk: int) -> Flag:
    flag = (policy.scope(user, Flag.objects.all())
            .select_related("post__thread__prompt__cohort__organization", "post__author", "reporter")
            .filter(pk=pk).first())
    if flag is None:
        raise Http404("No such flag.")
    return flag


def post_get(user, pk: int) -> Post:
    """A live post the user may read, or 404: hidden posts exist only for those who run the cohort
    (as in selectors.post_get), so acting on one the user cannot see is not a 403 that confirms it."""
    post = (policy.scope(user, Post.objects.filter(deleted_at__isnull=True))
            .select_related("thread__prompt__cohort__organization", "thread__squad", "author", "top_take")
            .filter(pk=pk).first())
    if post is None or (post.hidden_at is not None
                        and not policy.allows(user, "prompt.manage", post.thread.prompt.cohort)):
        raise Http404("No such post.")
    return post


def thread_get(user, pk: int) -> Thread:
    thread = (policy.scope(user, Thread.objects.all())
              .select_related("prompt__cohort__organization", "squad").filter(pk=pk).first())
    if thread is None or (thread.prompt.state != PromptState.PUBLISHED
                          and not policy.allows(user, "prompt.manage", thread.prompt.cohort)):
        raise Http404("No such thread.")
    return thread

"""Reads for the discussions pages, scoped by the policy and loaded with what
the page renders (a fixed number of queries per page)."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, OuterRef, Prefetch, Q
from django.http import Http404

from core import policy

from .models import Endorsement, Post, PromptRole, RoleAssignment, Thread

POSTS_PER_PAGE = 25


@dataclass
class ThreadView:
    thread: Thread
    roles: list[PromptRole]
    assignments: list[RoleAssignment]
    delivered_roles: set[str]
    my_role: PromptRole | None
    page: Page

    @property
    def deliverables(self) -> list[tuple[RoleAssignment, bool]]:
        return [(a, a.role in self.delivered_roles) for a in self.assignments if a.role]


def thread_get(user, pk: int) -> Thread:
    thread = (policy.scope(user, Thread.objects.all()).select_related("prompt__cohort", "squad", "locked_by")
              .filter(pk=pk).first())
    if thread is None or (thread.prompt.state != "published"
                          and not policy.allows(user, "prompt.manage", thread.prompt.cohort)):
        raise Http404("No such thread.")
    return thread


def _visible(user, thread: Thread) -> Q:
    """Readers see live posts; facilitators also see hidden ones (marked as hidden)."""
    if policy.allows(user, "prompt.manage", thread.prompt.cohort):
        return Q(deleted_at__isnull=True)
    return Q(deleted_at__isnull=True, hidden_at__isnull=True)


def _with_reactions(queryset, user):
    return queryset.select_related("author").annotate(
        endorsement_count=Count("endorsements", distinct=True),
        endorsed_by_me=Exists(Endorsement.objects.filter(post=OuterRef("pk"), user=user)),
    ).select_related("top_take")


def thread_detail(user, pk: int, page: int | str = 1) -> ThreadView:
    thread = thread_get(user, pk)
    visible = _visible(user, thread)
    replies = _with_reactions(Post.objects.filter(visible), user).order_by("created_at", "id")
    top_level = (
        _with_reactions(Post.objects.filter(visible, thread=thread, parent__isnull=True), user)
        .prefetch_related(Prefetch("replies", queryset=replies, to_attr="visible_replies"))
        .order_by("created_at", "id")
    )
    roles = list(PromptRole.objects.filter(prompt_id=thread.prompt_id))
    assignments = list(RoleAssignment.objects.filter(thread=thread).select_related("user")
                       .order_by("role", "user__full_name"))
    delivered = set(Post.objects.filter(thread=thread, deleted_at__isnull=True, hidden_at__isnull=True)
                    .exclude(role="").values_list("role", flat=True))
    mine = next((a.role for a in assignments if a.user_id == user.pk and a.role), None)
    return ThreadView(
        thread=thread, roles=roles, assignments=assignments, delivered_roles=delivered,
        my_role=next((r for r in roles if r.name == mine), None),
        page=Paginator(top_level, POSTS_PER_PAGE).get_page(page),
    )

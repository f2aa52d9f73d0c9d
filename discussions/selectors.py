"""Reads for the discussions pages, scoped by the policy and loaded with what
the page renders (a fixed number of queries per page)."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field
from functools import cached_property

from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, Subquery, Value, Window
from django.http import Http404

from cohorts.models import Cohort, CohortMembership, CohortStep, StepKind
from core import policy

from .models import (
    Endorsement,
    FeedItem,
    FeedRevision,
    Flag,
    MicroTaskCompletion,
    Post,
    PostVersion,
    PromptRole,
    PromptState,
    RoleAssignment,
    Thread,
    TopTake,
    TopTakeNomination,
)

POSTS_PER_PAGE = 20
# Under each post the thread page shows its latest replies; earlier ones load on
# request, so one busy post cannot make a page of 25 posts unbounded.
REPLIES_SHOWN = 5
REPLIES_PER_PAGE = 50
FEED_PER_PAGE = 30
TOP_TAKES_ON_COHORT_PAGE = 6


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

    @property
    def role_due(self) -> PromptRole | None:
        """The role paragraph the viewer still owes here (offered as "post as my role")."""
        if self.my_role is not None and self.my_role.name not in self.delivered_roles:
            return self.my_role
        return None


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


def _posts(queryset):
    """Posts with what their header shows; the Markdown source stays in the database.
    The Top Take comes as its reason (None when there is none): a missing reverse
    one-to-one would raise on every template lookup."""
    return queryset.select_related("author").defer("body").annotate(top_take_reason=F("top_take__reason"))


def _attach_endorsement_counts(posts: list[Post]) -> None:
    counts = dict(Endorsement.objects.filter(post_id__in=[post.pk for post in posts]).order_by()
                  .values("post_id").annotate(n=Count("pk")).values_list("post_id", "n"))
    for post in posts:
        post.endorsement_count = counts.get(post.pk, 0)


def _attach_my_reactions(user, posts: list[Post]) -> None:
    """The viewer's endorsements, nominations and flags on these posts: one query."""
    ids = [post.pk for post in posts]

    def mine(model, kind: str, **who):
        return (model.objects.filter(post_id__in=ids, **who).annotate(kind=Value(kind))
                .values_list("post_id", "kind").order_by())

    rows = mine(Endorsement, "endorsed", user=user).union(
        mine(TopTakeNomination, "nominated", user=user), mine(Flag, "flagged", reporter=user), all=True)
    reacted = {(post_id, kind) for post_id, kind in rows}
    for post in posts:
        post.endorsed_by_me = (post.pk, "endorsed") in reacted
        post.nominated_by_me = (post.pk, "nominated") in reacted
        post.flagged_by_me = (post.pk, "flagged") in reacted


def _attach_reactions(user, posts: list[Post]) -> list[Post]:
    """Set what each post's footer shows: endorsements (all, and the viewer's), the
    viewer's nomination and flag: two grouped lookups for any number of posts."""
    _attach_endorsement_counts(posts)
    _attach_my_reactions(user, posts)
    return posts


@dataclass
class _ThreadPageData:
    """What a thread page shows to everyone with the same visibility: cached per
    thread revision (every write through the services starts a new one). A
    prompt's roles never change once it is published, so they travel along."""
    roles: list[PromptRole]
    assignments: list[RoleAssignment]
    page: Page

    @property
    def posts(self) -> list[Post]:
        return [*self.page.object_list, *(r for p in self.page.object_list for r in p.visible_replies)]


THREAD_PAGE_CACHE_SECONDS = 600  # bounds how long a renamed author shows their old name
_THREAD_PAGE_DATA_FORMAT = 2  # bump when _ThreadPageData changes shape


def _thread_page_data(thread: Thread, visible: Q, page: int | str) -> _ThreadPageData:
    # Each reply carries its parent's reply total: "N earlier replies" needs no query of its own.
    latest_replies = (_posts(Post.objects.filter(visible))
                      .annotate(siblings=Window(Count("pk"), partition_by=[F("parent_id")]))
                      .order_by("-created_at", "-id")[:REPLIES_SHOWN])
    top_level = (
        _posts(Post.objects.filter(visible, thread=thread, parent__isnull=True))
        .prefetch_related(Prefetch("replies", queryset=latest_replies, to_attr="latest_replies"))
        .order_by("created_at", "id")
    )
    delivered_posts = Post.objects.filter(thread=thread, role=OuterRef("role"), deleted_at__isnull=True,
                                          hidden_at__isnull=True)
    assignments = list(RoleAssignment.objects.filter(thread=thread).select_related("user")
                       .annotate(delivered=Exists(delivered_posts))
                       .order_by("role", "user__full_name"))
    posts = Paginator(top_level, POSTS_PER_PAGE).get_page(page)
    posts.object_list = list(posts.object_list)
    posts.paginator.object_list = []  # counted already; nothing lazy goes into the cache
    for post in posts.object_list:
        post.visible_replies = post.latest_replies[::-1]  # oldest first, as a conversation reads
        total = post.latest_replies[0].siblings if post.latest_replies else 0
        post.earlier_reply_count = total - len(post.visible_replies)
        del post.latest_replies
    roles = list(PromptRole.objects.filter(prompt_id=thread.prompt_id))
    data = _ThreadPageData(roles=roles, assignments=assignments, page=posts)
    _attach_endorsement_counts(data.posts)
    return data


def thread_detail(user, pk: int, page: int | str = 1) -> ThreadView:
    thread = thread_get(user, pk)
    runs_cohort = policy.allows(user, "prompt.manage", thread.prompt.cohort)
    key = (f"thread-page:{_THREAD_PAGE_DATA_FORMAT}:{thread.pk}:{thread.created_at.timestamp()}:"
           f"{thread.revision}:{int(runs_cohort)}:{str(page)[:12]}")
    data = cache.get(key)
    if data is None:
        data = _thread_page_data(thread, _visible(user, thread), page)
        cache.set(key, data, THREAD_PAGE_CACHE_SECONDS)
    _attach_my_reactions(user, data.posts)
    roles, assignments = data.roles, data.assignments
    delivered = {a.role for a in assignments if a.role and a.delivered}
    mine = next((a.role for a in assignments if a.user_id == user.pk and a.role), None)
    return ThreadView(
        thread=thread, roles=roles, assignments=assignments, delivered_roles=delivered,
        my_role=next((r for r in roles if r.name == mine), None),
        page=data.page,
    )


@dataclass
class EarlierReplies:
    """A chunk of a post's replies older than the ones already on the page."""
    parent: Post
    replies: list[Post]
    more_before: int  # how many are older still


def earlier_replies(user, parent: Post, before: int | str | None) -> EarlierReplies:
    """Up to REPLIES_PER_PAGE replies older than reply `before` (or the newest when
    none is named), oldest first; two queries whatever the size of the thread."""
    replies = _posts(Post.objects.filter(_visible(user, parent.thread), parent=parent))
    anchor = Post.objects.filter(parent=parent, pk=before).values("created_at", "pk").first() if (
        str(before or "").isdigit()) else None
    if anchor is not None:
        replies = replies.filter(Q(created_at__lt=anchor["created_at"])
                                 | Q(created_at=anchor["created_at"], id__lt=anchor["pk"]))
    older_first = replies.order_by("-created_at", "-id")
    chunk = list(older_first[:REPLIES_PER_PAGE + 1])
    more = 0
    if len(chunk) > REPLIES_PER_PAGE:
        chunk = chunk[:REPLIES_PER_PAGE]
        last = chunk[-1]
        more = replies.filter(Q(created_at__lt=last.created_at)
                              | Q(created_at=last.created_at, id__lt=last.pk)).count()
    return EarlierReplies(parent=parent, replies=_attach_reactions(user, chunk[::-1]), more_before=more)


def reply_anchor(user, post: Post) -> int | None:
    """None when the thread page shows this reply (one of its parent's latest);
    otherwise the reply just newer than it, whose earlier-replies page shows it."""
    newer = list(Post.objects.filter(_visible(user, post.thread), parent_id=post.parent_id)
                 .filter(Q(created_at__gt=post.created_at) | Q(created_at=post.created_at, id__gt=post.pk))
                 .order_by("created_at", "id").values_list("pk", flat=True)[:REPLIES_SHOWN])
    return newer[0] if len(newer) >= REPLIES_SHOWN else None


def post_get(user, pk: int) -> Post:
    """A live post the user may read, with its thread and footer annotations, or 404.
    Hidden posts exist only for those who run the cohort."""
    post = (_posts(policy.scope(user, Post.objects.filter(pk=pk, deleted_at__isnull=True)))
            .select_related("thread__prompt__cohort__organization", "thread__squad", "thread__locked_by")
            .first())
    if post is None or (post.hidden_at is not None
                        and not policy.allows(user, "prompt.manage", post.thread.prompt.cohort)):
        raise Http404("No such post.")
    return _attach_reactions(user, [post])[0]


def post_role(post: Post) -> PromptRole | None:
    """The role whose deliverable this post is (its word bounds apply to edits)."""
    if not post.role:
        return None
    return PromptRole.objects.filter(prompt_id=post.thread.prompt_id, name=post.role).first()


def post_page_number(user, post: Post) -> int:
    """The thread page that shows this post (replies show under their parent)."""
    top = post.parent if post.parent_id else post
    earlier = (Post.objects.filter(_visible(user, post.thread), thread_id=post.thread_id, parent__isnull=True)
               .filter(Q(created_at__lt=top.created_at) | Q(created_at=top.created_at, id__lt=top.pk))
               .count())
    return earlier // POSTS_PER_PAGE + 1


def post_versions(post: Post) -> list[PostVersion]:
    """Earlier texts of an edited post, latest first."""
    return list(PostVersion.objects.filter(post=post).order_by("-replaced_at", "-id"))


# --- the cohort feed and Top Takes ------------------------------------------------------


FEED_CACHE_SECONDS = 600  # bounds how long a renamed author or step shows its old name


@dataclass
class CohortFeed:
    """A page of the cohort's feed. Everyone who may see the cohort sees the same
    items, so the page renders once per feed revision (see FeedRevision) and the
    items are read only when that rendering is not cached."""
    user: object
    cohort: Cohort
    page_key: str
    revision: int

    @cached_property
    def page(self) -> Page:
        return feed_page(self.user, self.cohort, self.page_key)


def cohort_feed(user, cohort: Cohort, page: int | str = 1) -> CohortFeed:
    revision = FeedRevision.objects.filter(cohort=cohort).values_list("revision", flat=True).first()
    return CohortFeed(user=user, cohort=cohort, page_key=str(page)[:12], revision=revision or 0)


def feed_page(user, cohort: Cohort, page: int | str = 1) -> Page:
    """The cohort's feed, newest first: one count and one indexed page query."""
    items = (
        policy.scope(user, FeedItem.objects.filter(cohort=cohort, visible=True))
        .select_related("actor", "post__author", "completion__step")
        .defer("post__body", "post__body_html")
        .order_by("-created_at", "-id")
    )
    return Paginator(items, FEED_PER_PAGE).get_page(page)


def top_takes(user, cohort: Cohort, limit: int = TOP_TAKES_ON_COHORT_PAGE) -> list[TopTake]:
    """The cohort's latest Top Takes whose posts are still shown."""
    posts = policy.scope(user, Post.objects.filter(thread__prompt__cohort=cohort, deleted_at__isnull=True,
                                                   hidden_at__isnull=True))
    return list(
        TopTake.objects.filter(post__in=posts)
        .select_related("post__author", "post__thread__prompt", "post__thread__squad")
        .defer("post__body")
        .order_by("-created_at")[:limit]
    )


# --- "This week" ------------------------------------------------------------------------


@dataclass
class WeekPrompt:
    """A prompt of this week as the learner meets it: their squad's thread and their role."""

    thread: Thread
    role: str
    deliverable: str
    min_words: int | None
    max_words: int | None
    delivered: bool

    @property
    def prompt(self):
        return self.thread.prompt


@dataclass
class WeekDiscussions:
    prompts: list[WeekPrompt] = field(default_factory=list)
    done_step_ids: set[int] = field(default_factory=set)
    can_complete_tasks: bool = False


def _local_midnight(day: dt.date, tz_name: str) -> dt.datetime:
    try:
        tz = zoneinfo.ZoneInfo(tz_name or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        tz = dt.UTC
    return dt.datetime.combine(day, dt.time.min, tzinfo=tz)


def week_discussions(user, cohort: Cohort, *, membership: CohortMembership | None, week_start: dt.date,
                     week_end: dt.date, steps: list[CohortStep]) -> WeekDiscussions:
    """This week's published prompts (due within the week, in the learner's time)
    in the learner's squad thread with their role, and which of the week's
    micro-tasks they marked done. Two queries at most."""
    if membership is None:
        return WeekDiscussions()
    mine = RoleAssignment.objects.filter(thread=OuterRef("pk"), user=user).values("role")[:1]
    role = PromptRole.objects.filter(prompt=OuterRef("prompt_id"), name=OuterRef("my_role"))
    threads = (
        policy.scope(user, Thread.objects.filter(
            prompt__cohort=cohort, prompt__state=PromptState.PUBLISHED,
            prompt__due_at__gte=_local_midnight(week_start, user.timezone),
            prompt__due_at__lt=_local_midnight(week_end + dt.timedelta(days=1), user.timezone)))
        .filter(Q(squad_id=membership.squad_id) if membership.squad_id else Q(squad__isnull=True))
        .select_related("prompt")
        .annotate(my_role=Subquery(mine))
        .order_by("prompt__due_at", "pk")
    )
    threads = threads.annotate(
        deliverable=Subquery(role.values("deliverable")[:1]),
        min_words=Subquery(role.values("min_words")[:1]),
        max_words=Subquery(role.values("max_words")[:1]),
        delivered=Exists(Post.objects.filter(thread=OuterRef("pk"), author=user, role=OuterRef("my_role"),
                                             deleted_at__isnull=True)),
    )
    prompts = [
        WeekPrompt(thread=t, role=t.my_role or "", deliverable=t.deliverable or "", min_words=t.min_words,
                   max_words=t.max_words, delivered=bool(t.my_role) and t.delivered)
        for t in threads
    ]
    # Asked of the cohort, not of each step: the rule depends on the cohort role only.
    can_complete = policy.allows(user, "step.complete", CohortStep(cohort=cohort))
    microtask_ids = [s.pk for s in steps if s.kind == StepKind.MICROTASK]
    done = set()
    if microtask_ids and can_complete:
        done = set(MicroTaskCompletion.objects.filter(user=user, step_id__in=microtask_ids)
                   .values_list("step_id", flat=True))
    return WeekDiscussions(prompts=prompts, done_step_ids=done, can_complete_tasks=can_complete)


def step_get(user, pk: int) -> CohortStep:
    """A step of a cohort the user belongs to, or 404."""
    step = policy.scope(user, CohortStep.objects.filter(pk=pk)).select_related("cohort__organization").first()
    if step is None:
        raise Http404("No such task.")
    return step


def my_completion(user, step: CohortStep) -> MicroTaskCompletion | None:
    return MicroTaskCompletion.objects.filter(step=step, user=user).first()



def posts_for_digest(post_ids) -> dict[int, dict]:
    """What a digest needs of each post (for the nudges app): its Markdown body, author,
    squad and prompt; posts since deleted or hidden by moderation are left out. One
    query whatever the number of posts. `post_url` gives a post's page."""
    rows = Post.objects.filter(pk__in=list(post_ids), deleted_at__isnull=True, hidden_at__isnull=True).values(
        "pk", "body", "author_id", "thread__squad__name", "thread__prompt__title", "parent_id")
    return {row["pk"]: {"body": row["body"], "author_id": row["author_id"],
                        "squad": row["thread__squad__name"] or "", "prompt": row["thread__prompt__title"],
                        "is_reply": row["parent_id"] is not None} for row in rows}


def post_url(post_id: int) -> str:
    from django.urls import reverse

    return reverse("discussions:post", args=[post_id])

"""The moderation queue: one list, across every cohort a person looks after, of
the things in its discussions that need a human now, each saying why.

Whose queue holds what
----------------------
* A facilitator: everything below, for the cohorts they facilitate.
* An HR admin: everything below, for every cohort of their organisation.
* A learner moderator (the week's rotating cohort role): only the open
  low-risk flags (spam, off topic) of the cohort they moderate, which are
  also the only flags they may resolve.
Archived cohorts are left out, and nothing from another organisation ever
appears: the cohorts come from the person's own roles.

Reasons and their scores
------------------------
Items are ranked by score, highest first; equal scores put the item that has
waited longest first (its ``since``), then by reason in the order below. The
page shows each item's reason label and its text ("Flagged 2 times: Spam or
advertising (2).").

* Flagged post: a post (not deleted) with open flags.
  Score 40, + 10 per open flag (at most 5 counted), + 30 when any of them is
  high-risk (disrespectful, personal data, something else). A post that is
  already hidden scores 10 instead: only its flags are left to resolve.
* Heated thread: an unlocked thread with 3 or more open flags (70), or with
  rapid back-and-forth (60): in the last 7 days, 6 or more posts in a row that
  alternate between the same two people, six of them within one hour.
  Both at once: 80.
* Missing deliverables: an unlocked thread of a published prompt due within
  the next 24 hours (40) or overdue by at most 7 days (45), where a role
  holder has not posted their deliverable (a visible post with that role).
* Unanswered question: a top-level post by a learner or peer mentor that asks
  (its text has a "?", or it is the questioner's deliverable), 48 hours to
  14 days old, in an unlocked thread, with no visible reply from anyone else.
  Score 30, + 2 per full day past the 48 hours (at most + 10).
* Silent squad: a squad with members and a thread of an open prompt
  (published at least 48 hours ago, not yet due) whose threads have had no
  post for 7 days. Score 20.

So a single spam flag (50) outranks a thread whose deliverables are overdue
(45), a harassment flag (80) outranks a heated thread (70), and a squad that
has gone quiet (20) waits behind everything that is on fire.

Other apps' cases
-----------------
Other apps add their own reasons with ``register_source(name, labels,
items)``: ``items(cohort_ids, now)`` returns the QueueItems of the cohorts a
person runs (never for learner moderators), with their own scores, a ``url``
where the case is handled and an optional ``detail_template`` the page
includes (peer review's regrade requests and expert checkpoints arrive this
way, with their reviews attached). Their items sort with everyone else's.

Cost
----
A fixed number of aggregate queries (cohorts, open flags, recent posts,
questions, role holders and delivered roles, silent squads), however many
items the queue holds: nothing is queried per item.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Q, Subquery
from django.utils import timezone

from cohorts.models import Cohort, CohortMembership, CohortRole, CohortState
from core import policy

from .models import LOW_RISK_REASONS, Flag, Post, PromptState, RoleAssignment, Thread


class Reason:
    FLAGGED_POST = "flagged_post"
    HEATED_THREAD = "heated_thread"
    MISSING_DELIVERABLES = "missing_deliverables"
    UNANSWERED_QUESTION = "unanswered_question"
    SILENT_SQUAD = "silent_squad"


REASON_LABELS = {
    Reason.FLAGGED_POST: "Flagged post",
    Reason.HEATED_THREAD: "Heated thread",
    Reason.MISSING_DELIVERABLES: "Deliverables missing",
    Reason.UNANSWERED_QUESTION: "Unanswered question",
    Reason.SILENT_SQUAD: "Silent squad",
}
_REASON_ORDER = {reason: number for number, reason in enumerate(REASON_LABELS)}

FLAG_BASE, FLAG_EACH, FLAG_COUNTED, FLAG_HIGH_RISK, FLAG_ALREADY_HIDDEN = 40, 10, 5, 30, 10
HEATED_FLAGS, HEATED_BACK_AND_FORTH, HEATED_BOTH = 70, 60, 80
DELIVERABLES_OVERDUE, DELIVERABLES_DUE_SOON = 45, 40
QUESTION_BASE, QUESTION_PER_DAY, QUESTION_MAX_EXTRA = 30, 2, 10
SILENT_SQUAD = 20

HEATED_FLAG_COUNT = 3
BACK_AND_FORTH_POSTS = 6
BACK_AND_FORTH_WINDOW = dt.timedelta(hours=1)
RECENT = dt.timedelta(days=7)
DUE_SOON = dt.timedelta(hours=24)
OVERDUE_LOOKBACK = dt.timedelta(days=7)
UNANSWERED_AFTER = dt.timedelta(hours=48)
QUESTION_LOOKBACK = dt.timedelta(days=14)
SILENCE = dt.timedelta(days=7)
SILENCE_GRACE = dt.timedelta(hours=48)

STAFF_ROLES = [CohortRole.FACILITATOR, CohortRole.EXPERT]
PARTICIPANT_ROLES = [CohortRole.LEARNER, CohortRole.PEER_MENTOR]


@dataclass
class QueueItem:
    """One thing that needs a human, and why."""

    reason: str
    score: int
    text: str
    since: dt.datetime
    cohort: Cohort
    thread: Thread | None = None
    post: Post | None = None
    flags: list[Flag] = field(default_factory=list)
    # True: the viewer runs this cohort (every action); False: a learner
    # moderator, who may only resolve the low-risk flags shown.
    full: bool = True
    # For other apps' cases: where the case is handled, the item's own stable key,
    # and a template (with its context) that shows what is attached.
    url: str = ""
    case_key: str = ""
    detail_template: str = ""
    detail: dict = field(default_factory=dict)

    @property
    def label(self) -> str:
        return REASON_LABELS[self.reason]

    @property
    def key(self) -> str:
        """Stable across requests, so a page can find the item again after an action."""
        if self.case_key:
            return f"{self.reason}-{self.case_key}"
        if self.post is not None:
            return f"{self.reason}-post-{self.post.pk}"
        if self.reason == Reason.SILENT_SQUAD and self.thread is not None:
            return f"{self.reason}-squad-{self.thread.squad_id}"
        return f"{self.reason}-thread-{self.thread.pk if self.thread else 0}"


QueueItems = Callable[[list[int], dt.datetime], list[QueueItem]]
_sources: dict[str, QueueItems] = {}


def register_source(name: str, labels: dict[str, str], items: QueueItems) -> None:
    """Add another app's cases (with their reasons and labels) to the queue of the
    people who run their cohorts. Registering the same name again replaces it."""
    for reason, label in labels.items():
        REASON_LABELS[reason] = label
        _REASON_ORDER.setdefault(reason, len(_REASON_ORDER))
    _sources[name] = items


def queue_for(user, *, now: dt.datetime | None = None) -> list[QueueItem]:
    """Every item in `user`'s queue, most needed first (see the module docs)."""
    now = now or timezone.now()
    full_ids, low_risk_ids = _cohort_ids(user)
    if not full_ids and not low_risk_ids:
        return []
    flags = _open_flags(full_ids, low_risk_ids)
    items = _flagged_posts(flags, full_ids)
    if full_ids:
        items += _heated_threads(flags, full_ids, now)
        items += _missing_deliverables(full_ids, now)
        items += _unanswered_questions(full_ids, now)
        items += _silent_squads(full_ids, now)
        for source in _sources.values():
            items += source(full_ids, now)
    items.sort(key=lambda item: (-item.score, item.since, _REASON_ORDER[item.reason], item.key))
    return items


def queue_item(user, key: str, *, now: dt.datetime | None = None) -> QueueItem | None:
    """The item with this key, if it is still in the queue (for swapping one item after an action)."""
    return next((item for item in queue_for(user, now=now) if item.key == key), None)


def _cohort_ids(user) -> tuple[list[int], list[int]]:
    """(cohorts with the whole queue, cohorts with low-risk flags only)."""
    roles = policy.roles(user)
    if roles.organization_id is None:
        return [], []
    cohorts = Cohort.objects.filter(organization_id=roles.organization_id).exclude(state=CohortState.ARCHIVED)
    facilitated = set(roles.facilitated_cohort_ids)
    if not roles.is_hr_admin:
        cohorts = cohorts.filter(pk__in=list(facilitated | roles.moderated_cohort_ids))
    full, low_risk = [], []
    for pk in cohorts.values_list("pk", flat=True):
        (full if roles.is_hr_admin or pk in facilitated else low_risk).append(pk)
    return full, low_risk


def _open_flags(full_ids: list[int], low_risk_ids: list[int]) -> list[Flag]:
    return list(
        Flag.objects.filter(resolved_at__isnull=True, post__deleted_at__isnull=True)
        .filter(Q(post__thread__prompt__cohort_id__in=full_ids)
                | Q(post__thread__prompt__cohort_id__in=low_risk_ids, reason__in=list(LOW_RISK_REASONS)))
        .select_related("reporter", "post__author", "post__thread__prompt__cohort", "post__thread__squad")
        .defer("post__body", "post__thread__prompt__body")  # items quote the rendered HTML
        .order_by("created_at", "pk")
    )


def _flagged_posts(flags: list[Flag], full_ids: list[int]) -> list[QueueItem]:
    by_post: dict[int, list[Flag]] = defaultdict(list)
    for flag in flags:
        by_post[flag.post_id].append(flag)
    full = set(full_ids)
    items = []
    for post_flags in by_post.values():
        post = post_flags[0].post
        high_risk = any(not flag.low_risk for flag in post_flags)
        reasons = Counter(flag.get_reason_display() for flag in post_flags)
        listed = ", ".join(f"{name} ({count})" if count > 1 else name for name, count in reasons.items())
        count = len(post_flags)
        text = f"Flagged {count} time{'s' if count > 1 else ''}: {listed}."
        if post.hidden_at is not None:
            score = FLAG_ALREADY_HIDDEN
            text += " The post is already hidden; resolve the flags to clear it."
        else:
            score = FLAG_BASE + FLAG_EACH * min(count, FLAG_COUNTED) + (FLAG_HIGH_RISK if high_risk else 0)
        items.append(QueueItem(
            reason=Reason.FLAGGED_POST, score=score, text=text, since=post_flags[0].created_at,
            cohort=post.thread.prompt.cohort, thread=post.thread, post=post, flags=post_flags,
            full=post.thread.prompt.cohort_id in full,
        ))
    return items


def _heated_threads(flags: list[Flag], full_ids: list[int], now: dt.datetime) -> list[QueueItem]:
    full = set(full_ids)
    threads: dict[int, Thread] = {}
    flag_counts: Counter[int] = Counter()
    first_flag: dict[int, dt.datetime] = {}
    for flag in flags:
        thread = flag.post.thread
        if thread.prompt.cohort_id in full and thread.locked_at is None:
            threads[thread.pk] = thread
            flag_counts[thread.pk] += 1
            first_flag.setdefault(thread.pk, flag.created_at)
    exchanges = _back_and_forth(full_ids, now)
    flagged = {pk for pk, count in flag_counts.items() if count >= HEATED_FLAG_COUNT}
    missing = set(exchanges) - set(threads)
    if missing:
        threads.update(Thread.objects.select_related("prompt__cohort", "squad").in_bulk(missing))
    items = []
    for pk in sorted(flagged | set(exchanges)):
        thread = threads[pk]
        parts = []
        if pk in flagged:
            parts.append(f"{flag_counts[pk]} open flags in this thread.")
        if pk in exchanges:
            exchange = exchanges[pk]
            parts.append(f"Rapid back-and-forth: {exchange.names[0]} and {exchange.names[1]} posted "
                         f"{exchange.posts} alternating posts in {_duration(exchange.span)}.")
        score = {(True, True): HEATED_BOTH, (True, False): HEATED_FLAGS,
                 (False, True): HEATED_BACK_AND_FORTH}[(pk in flagged, pk in exchanges)]
        starts = [first_flag[pk]] if pk in flagged else []
        starts += [exchanges[pk].started] if pk in exchanges else []
        since = min(starts)
        items.append(QueueItem(reason=Reason.HEATED_THREAD, score=score, text=" ".join(parts), since=since,
                               cohort=thread.prompt.cohort, thread=thread))
    return items


@dataclass
class _Exchange:
    names: tuple[str, str]
    posts: int
    started: dt.datetime
    span: dt.timedelta


def _back_and_forth(full_ids: list[int], now: dt.datetime) -> dict[int, _Exchange]:
    """Threads where two people traded 6+ posts in a row within an hour, lately.
    One query over the last week's posts, scanned thread by thread in time order."""
    rows = (
        Post.objects.filter(thread__prompt__cohort_id__in=full_ids, thread__locked_at__isnull=True,
                            deleted_at__isnull=True, created_at__gte=now - RECENT)
        .order_by("thread_id", "created_at", "pk")
        .values_list("thread_id", "author_id", "author__full_name", "author__email", "created_at")
    )
    found: dict[int, _Exchange] = {}
    run: list[tuple[int, str, dt.datetime]] = []
    current_thread = None

    def close_run(thread_id):
        if thread_id is None or len(run) < BACK_AND_FORTH_POSTS or thread_id in found:
            return
        # Heated if some six consecutive posts of the run fall within the window.
        for end in range(BACK_AND_FORTH_POSTS - 1, len(run)):
            if run[end][2] - run[end - BACK_AND_FORTH_POSTS + 1][2] <= BACK_AND_FORTH_WINDOW:
                found[thread_id] = _Exchange(names=(run[0][1], run[1][1]), posts=len(run),
                                             started=run[0][2], span=run[-1][2] - run[0][2])
                return

    for thread_id, author_id, full_name, email, created_at in rows.iterator(chunk_size=2000):
        name = full_name or email.split("@")[0]
        if thread_id != current_thread:
            close_run(current_thread)
            current_thread, run = thread_id, []
        if not run or (len(run) == 1 and author_id != run[0][0]) or (
                len(run) > 1 and author_id != run[-1][0] and author_id in (run[0][0], run[1][0])):
            run.append((author_id, name, created_at))
            continue
        close_run(current_thread)
        # A new run starts; the previous post may be its first half.
        post = (author_id, name, created_at)
        run = [run[-1], post] if author_id != run[-1][0] else [post]
    close_run(current_thread)
    return found


def _missing_deliverables(full_ids: list[int], now: dt.datetime) -> list[QueueItem]:
    due = Thread.objects.filter(
        prompt__cohort_id__in=full_ids, prompt__state=PromptState.PUBLISHED, locked_at__isnull=True,
        prompt__due_at__lte=now + DUE_SOON, prompt__due_at__gte=now - OVERDUE_LOOKBACK,
    )
    delivered = set(
        Post.objects.filter(thread__in=due, deleted_at__isnull=True, hidden_at__isnull=True)
        .exclude(role="").values_list("thread_id", "role").order_by().distinct()
    )
    missing: dict[int, list[RoleAssignment]] = defaultdict(list)
    threads: dict[int, Thread] = {}
    for assignment in (RoleAssignment.objects.filter(thread__in=due).exclude(role="")
                       .select_related("user", "thread__prompt__cohort", "thread__squad")
                       .order_by("thread_id", "role")):
        if (assignment.thread_id, assignment.role) not in delivered:
            missing[assignment.thread_id].append(assignment)
            threads[assignment.thread_id] = assignment.thread
    items = []
    for pk, assignments in missing.items():
        thread = threads[pk]
        due_at = thread.prompt.due_at
        owed = ", ".join(f"{a.role} ({a.user.display_name})" for a in assignments)
        if due_at <= now:
            when, score = f"overdue by {_duration(now - due_at)}", DELIVERABLES_OVERDUE
        else:
            when, score = f"due in {_duration(due_at - now)}", DELIVERABLES_DUE_SOON
        count = len(assignments)
        text = f"{count} role deliverable{'s' if count > 1 else ''} missing, {when}: {owed}."
        items.append(QueueItem(reason=Reason.MISSING_DELIVERABLES, score=score, text=text, since=due_at,
                               cohort=thread.prompt.cohort, thread=thread))
    return items


def _unanswered_questions(full_ids: list[int], now: dt.datetime) -> list[QueueItem]:
    answered = Post.objects.filter(parent=OuterRef("pk"), deleted_at__isnull=True,
                                   hidden_at__isnull=True).exclude(author=OuterRef("author"))
    asked_by_staff = CohortMembership.objects.filter(
        cohort=OuterRef("thread__prompt__cohort"), user=OuterRef("author"), role__in=STAFF_ROLES)
    questions = (
        Post.objects.filter(thread__prompt__cohort_id__in=full_ids, thread__locked_at__isnull=True,
                            parent__isnull=True, deleted_at__isnull=True, hidden_at__isnull=True,
                            created_at__lte=now - UNANSWERED_AFTER, created_at__gte=now - QUESTION_LOOKBACK)
        .filter(Q(body__contains="?") | Q(role="questioner"))
        .exclude(Exists(answered))
        .exclude(Exists(asked_by_staff))
        .select_related("author", "thread__prompt__cohort", "thread__squad")
        .defer("body", "thread__prompt__body")
    )
    items = []
    for post in questions:
        waited = now - post.created_at
        extra_days = int((waited - UNANSWERED_AFTER) / dt.timedelta(days=1))
        asks = "The questioner's deliverable" if post.role == "questioner" else "A question"
        items.append(QueueItem(
            reason=Reason.UNANSWERED_QUESTION,
            score=QUESTION_BASE + min(QUESTION_PER_DAY * extra_days, QUESTION_MAX_EXTRA),
            text=f"{asks} from {post.author.display_name} has had no answer for {_duration(waited)}.",
            since=post.created_at, cohort=post.thread.prompt.cohort, thread=post.thread, post=post,
        ))
    return items


def _silent_squads(full_ids: list[int], now: dt.datetime) -> list[QueueItem]:
    last_post = (Post.objects.filter(thread__squad=OuterRef("squad"), deleted_at__isnull=True)
                 .order_by("-created_at").values("created_at")[:1])
    has_members = CohortMembership.objects.filter(squad=OuterRef("squad"), role__in=PARTICIPANT_ROLES)
    threads = (
        Thread.objects.filter(squad__isnull=False, prompt__cohort_id__in=full_ids, locked_at__isnull=True,
                              prompt__state=PromptState.PUBLISHED, prompt__due_at__gt=now,
                              prompt__published_at__lte=now - SILENCE_GRACE)
        .annotate(last_post_at=Subquery(last_post))
        .filter(Exists(has_members))
        .filter(Q(last_post_at__isnull=True) | Q(last_post_at__lt=now - SILENCE))
        .select_related("squad", "prompt__cohort")
        .order_by("prompt__due_at", "pk")
    )
    items = []
    seen: set[int] = set()
    for thread in threads:
        if thread.squad_id in seen:  # one item per squad: its open thread due soonest
            continue
        seen.add(thread.squad_id)
        prompt = thread.prompt
        quiet = ("has not posted yet" if thread.last_post_at is None
                 else f"has not posted for {_duration(now - thread.last_post_at)}")
        text = (f"Squad {thread.squad.name} {quiet}, while \u201c{prompt.title}\u201d has been open for "
                f"{_duration(now - prompt.published_at)} (due in {_duration(prompt.due_at - now)}).")
        items.append(QueueItem(reason=Reason.SILENT_SQUAD, score=SILENT_SQUAD, text=text,
                               since=thread.last_post_at or prompt.published_at, cohort=prompt.cohort,
                               thread=thread))
    return items


def _duration(delta: dt.timedelta) -> str:
    """The largest whole unit: 3 days, 5 hours, 20 minutes."""
    seconds = max(0, int(delta.total_seconds()))
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'s' if count > 1 else ''}"
    return "less than a minute"


__all__ = ["REASON_LABELS", "QueueItem", "Reason", "queue_for", "queue_item", "register_source"]

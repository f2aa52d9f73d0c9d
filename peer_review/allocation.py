"""Who reviews whose work: reviewer allocation for calibrated peer review.

Pure Python on plain ids, no database: the services store the ``Allocation``
values returned here as rows and turn a round into a due date.

``allocate(submissions, k, ...)``
    Gives every submission its reviewers. Called again with the allocations in
    force as ``existing``, it tops up: late submissions get reviewers, late
    submitters get work, and submissions that had too few possible reviewers
    get more. Existing allocations never move; only new ones are returned.
``reallocate(overdue, ...)``
    Hands each overdue review (a missed deadline, a drop-out) to another
    active reviewer; the caller withdraws the overdue ones.

Words. The *reviewers* of a call are the people who may be given work (by
default the authors). A reviewer *may take* a submission when they are not its
author and have never been allocated it (in force or withdrawn). A
submission's *target* is min(k, reviewers other than its author, leaving out
those it was withdrawn from). A reviewer's *load* is how many allocations in
force they hold. Under ``outside_squad`` the *squad-mates* of a submission are
the reviewers in its author's squad; people absent from ``squads`` have none.

Guarantees, each checked by tests/peer_review/test_allocation.py
----------------------------------------------------------------
1. Nobody reviews their own work, nor is anybody allocated the same submission
   twice (existing and withdrawn allocations included).
2. After ``allocate`` every submission has at least its target of reviews in
   force. A call makes exactly the reviews missing from each target, plus the
   extra work of guarantee 4 (marked ``extra``). A first round therefore gives
   exactly the target: k whenever k other reviewers exist, else all of them.
   Squad rule: a call gives a submission to a squad-mate only when every
   reviewer outside the squad already has it. So squads never cost a review:
   a submission with fewer than k reviewers outside its squad is reviewed by
   all of them, squad-mates making up the rest (everyone in one squad is
   reviewed as if there were no squads).
3. Loads are as even as the rules allow. No chain of handovers of the reviews
   a call had to make (each passed to a reviewer who may take it, never from
   an outsider to a squad-mate) takes one review from a reviewer with L and
   gives one to a reviewer with L-2 or fewer. As in min-cost flow, that is
   the test of optimality for every convex measure of unevenness: given what
   the call may not move (existing allocations, extra work), no other choice
   obeying 1 and 2 has a lower highest load, a higher lowest load or a
   smaller spread. Hence:
   - in a first round loads differ by at most one: always without
     ``outside_squad``, and with it whenever the squad rule permits, for
     instance whenever the reviewers are the authors and no squad holds more
     than (n - k + 1) / 2 of them. A bigger squad can force uneven loads
     (nine in one squad, one in another, k=2: the one reviews all nine);
   - whoever is given a review a call had to make ends at most one above
     every reviewer who could have taken it instead. So, calling u the most
     reviewers one of the call's submissions rules out (its author, everyone
     ever allocated it, squad-mates), they end at most one above the
     (u+1)-th lightest-loaded reviewer: late batches and reallocations keep
     everyone they give work to within one of all but the u lightest (u is
     about k+1, plus withdrawals and, under ``outside_squad``, the squad).
     And no load drops in a call.
4. Late submitters are given reviewers (2) and work: in a call with existing
   allocations, a reviewer with nothing to review whose submission had no
   allocation yet ends with at least as many reviews as the lightest-loaded
   reviewer who had work before the call, unless nothing more may be given to
   them. What the reviews the call must make do not provide comes as extra
   reviews of the submissions with the fewest reviews.
5. ``reallocate`` gives the submission of every overdue allocation a new
   active reviewer who may take it whenever there is one (outside the squad
   whenever possible under ``outside_squad``), in the overdue round + 1, and
   the least-loaded such reviewers take them (3 holds for the call).

How
---
First round: the reviewers sit round a ring in a seeded shuffle, grouped by
squad under ``outside_squad``. Of m submissions, submission p sits at position
p*r//m, its author there when the author reviews, and is reviewed by the
reviewers at positions +e .. +e+k-1 (e = 1; with squads whichever of 1, the
widest stretch a squad spans and half the ring clashes least). Every position
is then covered floor(k*m/r) or ceil(k*m/r) times: exact targets, loads within
one, nobody on their own work, in O(n*k). Everything else (squad clashes, late
batches, replacements) goes to the least-loaded reviewers who may take it,
from a min-load heap; then breadth-first searches find chains of handovers and
apply them until none is left. 10,000 submissions with k=3 take about 0.16 s
(0.2 s in squads of six under ``outside_squad``); the bench command
bench/peer_review_simulation.py times ``allocate(submissions, k)``.
"""

from __future__ import annotations

import heapq
import itertools
import random
from collections import Counter, deque
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Allocation:
    """``reviewer`` is to review ``submission``. ``round`` is 0 for a first
    allocation and one more each time the review is handed over by
    ``reallocate``: the services map it to a due date. ``extra`` marks a review
    beyond the submission's target, given to a late submitter as work."""

    reviewer: Hashable
    submission: Hashable
    round: int = 0
    extra: bool = False


def allocate(
    submissions: Mapping[Hashable, Hashable],
    k: int,
    *,
    reviewers: Iterable[Hashable] | None = None,
    squads: Mapping[Hashable, Hashable] | None = None,
    outside_squad: bool = False,
    existing: Iterable[Allocation] = (),
    withdrawn: Iterable[Allocation] = (),
    seed: int = 0,
    round: int = 0,
) -> list[Allocation]:
    """The new allocations that give every submission its reviewers.

    ``submissions`` maps each submission id to its author's id, one submission
    per author. ``reviewers`` defaults to the authors; people listed there who
    did not submit (mentors, say) review too, and authors left out of it are
    reviewed without reviewing. ``squads`` maps people to squad ids; with
    ``outside_squad`` nobody reviews a squad-mate while the rules allow it.
    ``existing`` are the allocations in force: they are never moved, count
    towards targets and loads, and make this call a top-up (late submissions).
    ``withdrawn`` are allocations withdrawn as overdue: their reviewers are not
    given those submissions again; they count for nothing else.
    The same arguments and ``seed`` always give the same answer. Returned in
    the order of ``submissions``.
    """
    if k < 1:
        raise ValueError("Each submission needs at least one review (k >= 1).")
    authors = list(submissions.values())
    if len(set(authors)) != len(authors):
        raise ValueError("Each author may have only one submission.")
    rng = random.Random(seed)
    people = _shuffled_distinct(authors if reviewers is None else reviewers, rng)
    existing, withdrawn = list(existing), list(withdrawn)
    board = _ReviewBoard(submissions, people, squads, outside_squad, existing, withdrawn)
    targets = {submission: min(k, board.possible_reviews(submission)) for submission in submissions}
    order = list(submissions)
    rng.shuffle(order)

    if not existing and not withdrawn:
        _lay_out_ring(board, order, targets, round)
    for submission in order:
        board.give(submission, targets[submission] - board.reviews(submission), round)
    board.balance()
    if existing:
        reviewed = {allocation.submission for allocation in [*existing, *withdrawn]}
        late = [
            person
            for person, submission in zip(authors, submissions, strict=True)
            if person in board.load and board.load_before[person] == 0 and submission not in reviewed
        ]
        # Extra work raises late submitters, which may let the evening out move
        # some of their other reviews away, which may call for more extra work.
        while board.give_extra_work(late, round):
            board.balance()
    return board.new_allocations()


def reallocate(
    overdue: Iterable[Allocation],
    *,
    submissions: Mapping[Hashable, Hashable],
    reviewers: Iterable[Hashable],
    existing: Iterable[Allocation],
    withdrawn: Iterable[Allocation] = (),
    squads: Mapping[Hashable, Hashable] | None = None,
    outside_squad: bool = False,
    seed: int = 0,
) -> list[Allocation]:
    """Replacements for ``overdue`` allocations, one per overdue allocation whose
    submission some active reviewer may take (``round`` one more than the
    overdue one's).

    ``reviewers`` are the active reviewers; ``existing`` the allocations in
    force, with or without the overdue ones, which count as withdrawn: they add
    to nobody's load, but their reviewers are not given the submission again,
    nor are the reviewers of ``withdrawn`` (earlier overdue allocations).
    An overdue allocation left without a replacement had nobody to go to.
    """
    overdue = list(overdue)
    if unknown := [a.submission for a in overdue if a.submission not in submissions]:
        raise ValueError(f"Overdue allocations of unknown submissions: {unknown!r}.")
    board = _ReviewBoard(
        submissions,
        _shuffled_distinct(reviewers, random.Random(seed)),
        squads,
        outside_squad,
        existing,
        [*withdrawn, *overdue],
    )
    for allocation in overdue:
        board.give(allocation.submission, 1, allocation.round + 1)
    board.balance()
    return board.new_allocations()


def _shuffled_distinct(people: Iterable[Hashable], rng: random.Random) -> list[Hashable]:
    people = list(dict.fromkeys(people))
    rng.shuffle(people)
    return people


class _ReviewBoard:
    """Who reviews what during one call: the allocations in force, the ones the
    call makes (only those may move), and each reviewer's load. Ordered dicts
    stand in for sets so that results never depend on hash order."""

    def __init__(
        self,
        submissions: Mapping[Hashable, Hashable],
        people: list[Hashable],
        squads: Mapping[Hashable, Hashable] | None,
        outside_squad: bool,
        existing: Iterable[Allocation],
        withdrawn: Iterable[Allocation],
    ) -> None:
        self.author_of = dict(submissions)
        self.position = {submission: i for i, submission in enumerate(submissions)}
        self.people = people
        self.rank = {person: i for i, person in enumerate(people)}
        self.squad_of = dict(squads or {})
        self.outside_squad = outside_squad and bool(self.squad_of)
        self.squad_members: dict[Hashable, list[Hashable]] = {}
        for person in people:
            if (squad := self.squad_of.get(person)) is not None:
                self.squad_members.setdefault(squad, []).append(person)
        self.reviewers_of: dict[Hashable, dict[Hashable, None]] = {s: {} for s in submissions}
        self.load = dict.fromkeys(people, 0)
        self.withdrawn_count: Counter[Hashable] = Counter()  # per submission
        gone = {(a.reviewer, a.submission): None for a in withdrawn}
        pairs = ((a.reviewer, a.submission) for a in existing)
        in_force = {pair: None for pair in pairs if pair not in gone}
        for reviewer, submission in in_force:
            if submission in self.reviewers_of:
                self.reviewers_of[submission][reviewer] = None
            if reviewer in self.load:
                self.load[reviewer] += 1
        for reviewer, submission in gone:
            if submission in self.reviewers_of:
                self.reviewers_of[submission][reviewer] = None
                self.withdrawn_count[submission] += 1
        self.load_before = dict(self.load)
        # What this call adds, as (reviewer, submission) -> round: the reviews it
        # must make, which may move while loads are evened out, and extra work.
        self.made: dict[tuple[Hashable, Hashable], int] = {}
        self.made_by: dict[Hashable, dict[Hashable, None]] = {person: {} for person in people}
        self.extras: dict[tuple[Hashable, Hashable], int] = {}
        self._by_load: list[tuple[int, int, Hashable]] | None = None  # min-load heap, built when needed
        self._outside_of: dict[Hashable, list[Hashable]] = {}  # reviewers outside each big squad

    # --- the rules ---

    def others(self, submission: Hashable) -> int:
        """How many reviewers are not the submission's author."""
        return len(self.people) - (self.author_of[submission] in self.load)

    def possible_reviews(self, submission: Hashable) -> int:
        """How many reviews the submission can have: those in force, and one from
        each reviewer who may take it."""
        unavailable = sum(person in self.load for person in self.reviewers_of[submission])
        return self.reviews(submission) + self.others(submission) - unavailable

    def reviews(self, submission: Hashable) -> int:
        """How many allocations of the submission are in force."""
        return len(self.reviewers_of[submission]) - self.withdrawn_count[submission]

    def restricting_squad(self, submission: Hashable) -> Hashable | None:
        return self.squad_of.get(self.author_of[submission]) if self.outside_squad else None

    def is_squadmate(self, person: Hashable, submission: Hashable) -> bool:
        squad = self.restricting_squad(submission)
        return squad is not None and self.squad_of.get(person) == squad

    def may_take(self, person: Hashable, submission: Hashable) -> bool:
        return (
            person in self.load
            and person != self.author_of[submission]
            and person not in self.reviewers_of[submission]
        )

    def outsiders(self, submission: Hashable) -> int:
        """How many reviewers are outside the author's squad (and not the author)."""
        squad = self.restricting_squad(submission)
        if squad is None:
            return self.others(submission)
        return len(self.people) - len(self.squad_members.get(squad, ()))

    def free_outsiders(self, submission: Hashable) -> int:
        taken = sum(
            person in self.load and not self.is_squadmate(person, submission)
            for person in self.reviewers_of[submission]
        )
        return self.outsiders(submission) - taken

    # --- changes ---

    def add(self, person: Hashable, submission: Hashable, round_: int, extra: bool = False) -> None:
        self.reviewers_of[submission][person] = None
        if extra:
            self.extras[person, submission] = round_
        else:
            self.made[person, submission] = round_
            self.made_by[person][submission] = None
        self._change_load(person, 1)

    def move(self, submission: Hashable, giver: Hashable, taker: Hashable) -> None:
        round_ = self.made.pop((giver, submission))
        del self.made_by[giver][submission]
        del self.reviewers_of[submission][giver]
        self._change_load(giver, -1)
        self.add(taker, submission, round_)

    def _change_load(self, person: Hashable, change: int) -> None:
        self.load[person] += change
        if self._by_load is not None:
            heapq.heappush(self._by_load, (self.load[person], self.rank[person], person))

    # --- choosing reviewers ---

    def give(self, submission: Hashable, count: int, round_: int) -> None:
        """Give ``submission`` to ``count`` more reviewers who may take it (fewer if
        there are not enough): the least-loaded outsiders, or, when too few
        outsiders are free, all of them and the least-loaded squad-mates."""
        if count <= 0:
            return
        if self.free_outsiders(submission) >= count:
            self._give_least_loaded(submission, count, round_)
            return
        for person in self.people:
            if self.may_take(person, submission) and not self.is_squadmate(person, submission):
                self.add(person, submission, round_)
                count -= 1
        squadmates = [
            person
            for person in self.squad_members.get(self.restricting_squad(submission), ())
            if self.may_take(person, submission)
        ]
        squadmates.sort(key=lambda person: (self.load[person], self.rank[person]))
        for person in squadmates[:count]:
            self.add(person, submission, round_)

    def _give_least_loaded(self, submission: Hashable, count: int, round_: int) -> None:
        squad = self.restricting_squad(submission)
        if squad is not None and 2 * len(self.squad_members.get(squad, ())) > len(self.people):
            # Most reviewers are squad-mates: cheaper to look at the others only.
            free = [p for p in self._outside(squad) if self.may_take(p, submission)]
            for person in heapq.nsmallest(count, free, key=lambda p: (self.load[p], self.rank[p])):
                self.add(person, submission, round_)
            return
        if self._by_load is None:
            self._by_load = [(self.load[p], self.rank[p], p) for p in self.people]
            heapq.heapify(self._by_load)
        passed_over = []
        while count and self._by_load:
            entry = heapq.heappop(self._by_load)
            load, _, person = entry
            if load != self.load[person]:
                continue  # stale: a newer entry holds this person's load
            if self.may_take(person, submission) and not self.is_squadmate(person, submission):
                self.add(person, submission, round_)  # pushes the person's new load
                count -= 1
            else:
                passed_over.append(entry)
        for entry in passed_over:
            heapq.heappush(self._by_load, entry)

    def _outside(self, squad: Hashable) -> list[Hashable]:
        if squad not in self._outside_of:
            self._outside_of[squad] = [p for p in self.people if self.squad_of.get(p) != squad]
        return self._outside_of[squad]

    def give_extra_work(self, late: list[Hashable], round_: int) -> bool:
        """Guarantee 4: raise late submitters to the lightest load of those who had
        work before, one review at a time to the lightest late submitter, each
        of the submissions with the fewest reviews that they may take. Returns
        whether any was given."""
        established = [self.load[p] for p in self.people if self.load_before[p] > 0]
        if not late or not established:
            return False
        level = min(established)
        given = False
        waiting = [(self.load[p], self.rank[p], p) for p in late]
        heapq.heapify(waiting)
        fewest_reviews = [(self.reviews(s), i, s) for s, i in self.position.items()]
        heapq.heapify(fewest_reviews)
        while waiting:
            load, rank, person = heapq.heappop(waiting)
            if load >= level:
                break
            passed_over = []
            chosen = None
            while fewest_reviews and chosen is None:
                entry = heapq.heappop(fewest_reviews)
                submission = entry[2]
                squad_rule_allows = not self.is_squadmate(person, submission) or (
                    self.free_outsiders(submission) == 0
                )
                if self.may_take(person, submission) and squad_rule_allows:
                    chosen = submission
                else:
                    passed_over.append(entry)
            for entry in passed_over:
                heapq.heappush(fewest_reviews, entry)
            if chosen is None:
                continue  # nothing left this person may take
            self.add(person, chosen, round_, extra=True)
            given = True
            heapq.heappush(fewest_reviews, (self.reviews(chosen), self.position[chosen], chosen))
            heapq.heappush(waiting, (self.load[person], rank, person))
        return given

    # --- evening out ---

    def balance(self) -> None:
        """Guarantee 3: remove every chain of handovers that lowers a load of L and
        raises one of L-2 or less, clearing levels from the top down.

        A search that fails at level L reaches a set of reviewers from which no
        chain leads to L-2 or less. Later chains (at L or below) cannot pass
        through that set, since from there they could not get lower, so they
        leave it and its reviews untouched: it stays a dead end, which keeps the
        cleared levels clear and lets lower levels skip it."""
        holders = [self.load[p] for p in self.people if self.made_by[p]]
        if not holders:
            return
        lowest = min(self.load.values())
        dead_ends: set[Hashable] = set()
        for level in range(max(holders), lowest + 1, -1):
            while True:
                chain, reached = self._chain_down_from(level, dead_ends)
                if chain is None:
                    dead_ends |= reached
                    break
                for submission, giver, taker in chain:
                    self.move(submission, giver, taker)

    def _chain_down_from(
        self, level: int, dead_ends: set[Hashable]
    ) -> tuple[list[tuple[Hashable, Hashable, Hashable]] | None, set[Hashable]]:
        """Breadth-first search from every reviewer with ``level`` or more reviews
        through the reviews this call made; the first reviewer reached with
        ``level - 2`` or fewer ends the chain. Returns the chain, or None and
        the reviewers reached."""
        sources = [p for p in self.people if self.load[p] >= level and self.made_by[p] and p not in dead_ends]
        reached = set(sources)
        # Unreached reviewers grouped by squad, so a review that must stay outside
        # a squad skips its members at once.
        unreached: dict[Hashable, dict[Hashable, None]] = {}
        for person in self.people:
            if person not in reached and person not in dead_ends:
                squad = self.squad_of.get(person) if self.outside_squad else None
                unreached.setdefault(squad, {})[person] = None
        came_from: dict[Hashable, tuple[Hashable, Hashable]] = {}
        searched = set()
        queue = deque(sources)
        while queue:
            giver = queue.popleft()
            for submission in self.made_by[giver]:
                squadmate_gives = self.is_squadmate(giver, submission)
                if (submission, squadmate_gives) in searched:
                    continue  # who may take it depends only on these two
                searched.add((submission, squadmate_gives))
                barred_squad = None if squadmate_gives else self.restricting_squad(submission)
                for squad, members in list(unreached.items()):
                    if squad is not None and squad == barred_squad:
                        continue
                    for taker in [p for p in members if self.may_take(p, submission)]:
                        del members[taker]
                        reached.add(taker)
                        came_from[taker] = (submission, giver)
                        if self.load[taker] <= level - 2:
                            return self._trace(taker, came_from), reached
                        queue.append(taker)
                    if not members:
                        del unreached[squad]
        return None, reached

    @staticmethod
    def _trace(
        end: Hashable, came_from: dict[Hashable, tuple[Hashable, Hashable]]
    ) -> list[tuple[Hashable, Hashable, Hashable]]:
        chain = []
        taker = end
        while taker in came_from:
            submission, giver = came_from[taker]
            chain.append((submission, giver, taker))
            taker = giver
        chain.reverse()
        return chain

    def new_allocations(self) -> list[Allocation]:
        made = [
            Allocation(reviewer, submission, round_, extra)
            for extra, allocations in ((False, self.made), (True, self.extras))
            for (reviewer, submission), round_ in allocations.items()
        ]
        made.sort(key=lambda a: (self.position[a.submission], self.rank[a.reviewer]))
        return made


def _lay_out_ring(
    board: _ReviewBoard, order: list[Hashable], targets: Mapping[Hashable, int], round_: int
) -> None:
    """The first round on a ring of reviewers (see "How" in the module docstring).
    Submissions whose author's squad leaves them some but too few outsiders are
    left to ``give``, which must hand them every outsider first."""
    r = len(board.people)
    width = min(max(targets.values(), default=0), r - 1)
    if width < 1:
        return
    on_ring = [s for s in order if not 0 < board.outsiders(s) < targets[s]]
    if not on_ring:
        return
    # Squad by squad, squads in a seeded order (first seen in the shuffles).
    group_rank: dict[Hashable, int] = {}

    def ring_key(person: Hashable, tie: int) -> tuple[int, int]:
        squad = board.squad_of.get(person) if board.outside_squad else None
        group = ("squad", squad) if squad is not None else ("alone", person)
        return group_rank.setdefault(group, len(group_rank)), tie

    for tie, person in enumerate([*board.people, *(board.author_of[s] for s in order)]):
        ring_key(person, tie)
    tie_of = {person: i for i, person in enumerate(board.people)}
    reviewing_authors = sorted(
        (s for s in on_ring if board.author_of[s] in board.load),
        key=lambda s: ring_key(board.author_of[s], tie_of[board.author_of[s]]),
    )
    outside_authors = sorted(
        (s for s in on_ring if board.author_of[s] not in board.load),
        key=lambda s: ring_key(board.author_of[s], len(tie_of) + board.position[s]),
    )
    seated_authors = {board.author_of[s] for s in reviewing_authors}
    non_authors = sorted(
        (p for p in board.people if p not in seated_authors), key=lambda p: ring_key(p, tie_of[p])
    )

    # Submission p sits at p*r//m; the first slot of each position seats an
    # author at their own submission, other slots hold outside authors' work.
    m = len(on_ring)
    anchor = [p * r // m for p in range(m)]
    first_slots = [p for p in range(m) if p == 0 or anchor[p] != anchor[p - 1]]
    author_slots = first_slots[: len(reviewing_authors)]
    taken = set(author_slots)
    other_slots = [p for p in range(m) if p not in taken]
    seat: list[Hashable] = [None] * r
    submission_at: list[Hashable] = [None] * m
    for submission, p in zip(reviewing_authors, author_slots, strict=True):
        submission_at[p] = submission
        seat[anchor[p]] = board.author_of[submission]
    for submission, p in zip(outside_authors, other_slots, strict=True):
        submission_at[p] = submission
    empty_seats = (i for i in range(r) if seat[i] is None)
    for person, i in zip(non_authors, empty_seats, strict=True):
        seat[i] = person

    restricted = [board.restricting_squad(s) if board.outsiders(s) else None for s in submission_at]
    seat_squad = [board.squad_of.get(person) for person in seat]

    def clashes(offset: int) -> int:
        return sum(
            seat_squad[(anchor[p] + offset + j) % r] == squad
            for p, squad in enumerate(restricted)
            if squad is not None
            for j in range(width)
        )

    offset = 1
    if board.outside_squad:
        candidates = {1, _largest_squad_span(seat_squad, anchor, restricted, r), (r - width + 1) // 2}
        offset = min((min(max(c, 1), r - width) for c in candidates), key=lambda c: (clashes(c), c))
    for p, submission in enumerate(submission_at):
        squad = restricted[p]
        for j in range(min(width, targets[submission])):
            i = (anchor[p] + offset + j) % r
            if squad is None or seat_squad[i] != squad:
                board.add(seat[i], submission, round_)


def _largest_squad_span(
    seat_squad: list[Hashable], anchor: list[int], restricted: list[Hashable], r: int
) -> int:
    """The longest stretch of the ring a squad spans (its seats and its authors'
    submissions): reviewing from that far ahead keeps clear of one's own squad."""
    places: dict[Hashable, list[int]] = {}
    for i, squad in enumerate(seat_squad):
        if squad is not None:
            places.setdefault(squad, []).append(i)
    for p, squad in enumerate(restricted):
        if squad is not None:
            places.setdefault(squad, []).append(anchor[p])
    span = 1
    for spots in places.values():
        spots = sorted(set(spots))
        gaps = [b - a for a, b in itertools.pairwise(spots)] + [spots[0] + r - spots[-1]]
        span = max(span, r - max(gaps) + 1)
    return span


__all__ = ["Allocation", "allocate", "reallocate"]

"""Who holds which role on a structured prompt: a fair rotation within each squad.

When a facilitator publishes a structured prompt, each squad's members get the
prompt's roles (by default questioner, summarizer and challenger; any list of one
or more roles works). Roles are worked out from what each member really held on
the squad's earlier prompts, swaps by the facilitator included. This module is
pure: no database, and the same squad, roles and history always give the same
answer.

How roles are given out
-----------------------
The rotation goes in rounds. A round lasts as many prompts as the squad has
members, or as the prompt has roles if there are more roles than members.

1. In a round, everyone holds every role exactly once. So, while the squad stays
   the same and nobody swaps, nobody holds a role a second time before everyone
   in the squad has held it once, and more generally nobody holds it an
   (n+1)-th time while a squad-mate has held it fewer than n times.
2. A member holds at most one role per prompt, and a role goes to at most one
   member.
3. More members than roles (say 7 members, 3 roles): every role is filled on
   every prompt, and the other members take part as contributors, without a
   role. A round is 7 prompts, in which each member holds each of the 3 roles
   once and is a contributor 4 times. Members owed more roles in the round are
   preferred for roles, so contributor turns are spread out.
4. Fewer members than roles (say 2 members, 3 roles): each member holds exactly
   one role and the other roles stay open on that prompt. A round is 3 prompts,
   in which each member holds each role once and each role stays open once.
5. As many members as roles: everybody holds a role on every prompt, a different
   one each time in a round.
6. Among equally fair choices, roles go preferably to the members who have held
   them least often so far (counting every earlier prompt of the squad, also
   from before it last changed), contributor turns to the members who have held
   the most roles, and open roles to the roles filled most often; then members
   listed first get the roles listed first.

When the squad changes
----------------------
When someone joins or leaves, a new round starts with the next prompt, for the
squad as it now is. What a member who left held no longer counts. A newcomer has
held nothing yet, so by rule 6 they hold a role on their first prompt (unless
someone else in the squad has never held one either).

After a facilitator's swap
--------------------------
Swaps are honoured, and the rest of the round is worked out from who really held
what. A swap can make rule 1 impossible to keep for the rest of that round: if
Ana is made questioner twice, someone else cannot be questioner in this round.
On each remaining prompt of the round, rule 1 is kept whenever it can be; where
it cannot, nobody is given a role more times ahead of a squad-mate than is
unavoidable, and as few members as possible are given a role ahead of a
squad-mate. The next round starts afresh and, if nobody swaps, keeps rule 1
again. A swapped turn is not paid back in later rounds, though rule 6 leans
towards whoever missed out.

If the roles of a prompt differ from the earlier ones, past turns count by role
name and a new role starts with nobody having held it; rounds may then not come
out even, and the rotation is kept as fair as it can be, as after a swap.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import TypeVar

Member = TypeVar("Member", bound=Hashable)

DEFAULT_ROLES: tuple[str, ...] = ("questioner", "summarizer", "challenger")


def assign_roles(
    members: Sequence[Member],
    *,
    roles: Sequence[str] = DEFAULT_ROLES,
    history: Sequence[Mapping[Member, str | None]] = (),
) -> dict[Member, str | None]:
    """Give the squad's members their roles for the next prompt.

    ``members`` is the squad as it is now; their order only breaks ties.
    ``history`` holds one entry per earlier prompt of this squad, oldest first,
    as it really happened (after any swaps): each entry maps every member who was
    in the squad then to the role they held, or to None, as ``assign_roles``
    returns it. Members no longer in the squad and roles not in ``roles`` count
    for nothing.

    Returns every member mapped to their role, or to None when they take part as
    a contributor, in the order of ``members``. ``min(len(members), len(roles))``
    distinct roles are filled.
    """
    members = list(members)
    roles = list(roles)
    _check_distinct(members, "member")
    _check_distinct(roles, "role")
    if not roles:
        raise ValueError("A prompt needs at least one role.")
    if not members:
        return {}

    this_round = _counts(members, roles, history[_round_start(members, roles, history) :])
    ever = _counts(members, roles, history)
    columns = _cheapest_assignment(_cost_matrix(members, roles, this_round, ever))
    return {
        member: roles[col] if col < len(roles) else None
        for member, col in zip(members, columns[: len(members)], strict=True)
    }


def plan_rotation(
    members: Sequence[Member],
    *,
    prompts: int,
    roles: Sequence[str] = DEFAULT_ROLES,
    history: Sequence[Mapping[Member, str | None]] = (),
) -> list[dict[Member, str | None]]:
    """The assignments of the next ``prompts`` prompts if nobody swaps and the
    squad stays as it is: a preview of the rotation."""
    past = list(history)
    planned: list[dict[Member, str | None]] = []
    for _ in range(prompts):
        planned.append(assign_roles(members, roles=roles, history=past))
        past.append(planned[-1])
    return planned


def swap_roles(
    assignment: Mapping[Member, str | None], first: Member, second: Member
) -> dict[Member, str | None]:
    """A copy of ``assignment`` in which ``first`` and ``second`` trade roles;
    either may be a contributor, with no role."""
    for member in (first, second):
        if member not in assignment:
            raise ValueError(f"{member!r} is not in this assignment.")
    swapped = dict(assignment)
    swapped[first], swapped[second] = assignment[second], assignment[first]
    return swapped


def _check_distinct(items: Sequence[Hashable], what: str) -> None:
    if len(set(items)) != len(items):
        raise ValueError(f"Each {what} may be listed only once.")


def _round_start(
    members: Sequence[Member], roles: Sequence[str], history: Sequence[Mapping[Member, str | None]]
) -> int:
    """Index in ``history`` of the first prompt of the current round: rounds of
    max(members, roles) prompts, counted from the last change of the squad."""
    squad = set(members)
    since = len(history)
    while since > 0 and set(history[since - 1]) == squad:
        since -= 1
    length = max(len(members), len(roles))
    return since + (len(history) - since) // length * length


def _counts(
    members: Sequence[Member], roles: Sequence[str], history: Sequence[Mapping[Member, str | None]]
) -> dict[Member, dict[str, int]]:
    counts = {member: dict.fromkeys(roles, 0) for member in members}
    for prompt in history:
        for member, role in prompt.items():
            if member in counts and role in counts[member]:
                counts[member][role] += 1
    return counts


def _cost_matrix(
    members: Sequence[Member],
    roles: Sequence[str],
    this_round: Mapping[Member, Mapping[str, int]],
    ever: Mapping[Member, Mapping[str, int]],
) -> list[list[int]]:
    """A square cost matrix (rows: members, then open-role placeholders; columns:
    roles, then contributor placeholders) whose cheapest assignment is the
    fairest. The cost ranks assignments by these tiers, each one deciding before
    the next is looked at:

    1. how many more times than the squad-mate who held it least each member has
       held the role they get, in this round (rule 1). Weights grow by a factor
       larger than the squad, so one member two turns ahead costs more than any
       number of members one turn ahead;
    2. likewise, how many more times each member has held that role than their
       own least-held role, in this round;
    3. who is a contributor (the members owed the fewest roles in this round) or
       which roles stay open (those the fewest members still wait for in this
       round). Sitting out a member owed a role on every remaining prompt of the
       round, or leaving open a role that every remaining prompt must fill,
       would make rule 1 impossible later in the round, so it costs more than
       any other choice;
    4. how many more times than the squad-mate who held it least each member has
       held the role they get, over all prompts (rule 6);
    5. over all prompts, contributors are preferably the members who have held
       the most roles, and open roles those filled most often (rule 6);
    6. members listed earlier get roles listed earlier.

    Why rule 1 then always holds in a round without swaps: call what is left to
    do in the round (each member still owed each role they have not held in it,
    contributor turns and open roles still due) the round's remaining work, a
    bipartite graph of members (and open-role placeholders) against roles (and
    contributor placeholders). With d prompts left in the round it is d-regular
    (at the start, d is the round's length). A d-regular bipartite graph
    contains a perfect matching, and removing one leaves it (d-1)-regular
    (Kőnig), so a choice inside the remaining work always exists; it costs zero
    in tiers 1 and 2.
    A choice with tiers 1 and 2 at zero gives each role to a member who has not
    held it in the round, and tier 3 keeps its contributors and open roles
    inside the remaining work too: a member owed a role on each of the d prompts
    left, or a role that d members still wait for, costs base**d as a placeholder,
    more than all placeholders of a choice inside the remaining work together.
    """
    n, k = len(members), len(roles)
    size = max(n, k)
    base = size + 1

    def ahead(counts: Mapping[Member, Mapping[str, int]], member: Member, role: str) -> int:
        return counts[member][role] - min(counts[other][role] for other in members)

    def waiting_for(member: Member, role: str) -> bool:
        return this_round[member][role] == min(this_round[member].values())

    owed = {m: sum(ahead(this_round, m, role) == 0 for role in roles) for m in members}
    waiting = {role: sum(waiting_for(m, role) for m in members) for role in roles}
    roles_held = {m: sum(ever[m].values()) for m in members}
    times_filled = {role: sum(ever[m][role] for m in members) for role in roles}

    tiers: list[list[tuple[int, int, int, int, int, int]]] = []
    for row in range(size):
        line = []
        for col in range(size):
            if row < n and col < k:
                member, role = members[row], roles[col]
                own_least = min(this_round[member].values())
                line.append(
                    (
                        base ** ahead(this_round, member, role) - 1,
                        base ** (this_round[member][role] - own_least) - 1,
                        0,
                        base ** ahead(ever, member, role) - 1,
                        0,
                        col * base ** (size - 1 - row),
                    )
                )
            elif row < n:  # a contributor placeholder: this member gets no role
                member = members[row]
                fewer_roles_held = max(roles_held.values()) - roles_held[member]
                line.append((0, 0, base ** owed[member], 0, fewer_roles_held, k * base ** (size - 1 - row)))
            else:  # an open-role placeholder: this role stays open
                role = roles[col]
                filled_fewer_times = max(times_filled.values()) - times_filled[role]
                line.append((0, 0, base ** waiting[role], 0, filled_fewer_times, 0))
        tiers.append(line)

    # Fold the tiers into one integer per cell. Each scale exceeds the largest
    # total the tier can reach over a whole assignment, so a higher tier decides.
    cost = [[0] * size for _ in range(size)]
    for tier in range(len(tiers[0][0])):
        scale = size * max(cell[tier] for line in tiers for cell in line) + 1
        for row in range(size):
            for col in range(size):
                cost[row][col] = cost[row][col] * scale + tiers[row][col][tier]
    return cost


def _cheapest_assignment(cost: Sequence[Sequence[int]]) -> list[int]:
    """The column given to each row in a cheapest one-to-one assignment of a
    square matrix: the Hungarian method with potentials, O(size**3), exact on
    integers of any size."""
    size = len(cost)
    row_potential = [0] * (size + 1)
    col_potential = [0] * (size + 1)
    row_of_col = [0] * (size + 1)  # rows and columns count from 1; 0 means none
    for row in range(1, size + 1):
        # Grow a tree of tight edges from `row` until it reaches a free column,
        # then flip the assignment along the path to it.
        row_of_col[0] = row
        col = 0
        min_slack: list[int | None] = [None] * (size + 1)
        came_from = [0] * (size + 1)
        in_tree = [False] * (size + 1)
        while row_of_col[col] != 0:
            in_tree[col] = True
            tree_row = row_of_col[col]
            delta: int | None = None
            next_col = 0
            for candidate in range(1, size + 1):
                if in_tree[candidate]:
                    continue
                slack = cost[tree_row - 1][candidate - 1] - row_potential[tree_row] - col_potential[candidate]
                best = min_slack[candidate]
                if best is None or slack < best:
                    min_slack[candidate], came_from[candidate] = slack, col
                    best = slack
                if delta is None or best < delta:
                    delta, next_col = best, candidate
            assert delta is not None
            for candidate in range(size + 1):
                best = min_slack[candidate]
                if in_tree[candidate]:
                    row_potential[row_of_col[candidate]] += delta
                    col_potential[candidate] -= delta
                elif best is not None:
                    min_slack[candidate] = best - delta
            col = next_col
        while col != 0:
            previous = came_from[col]
            row_of_col[col] = row_of_col[previous]
            col = previous
    columns = [0] * size
    for col in range(1, size + 1):
        columns[row_of_col[col] - 1] = col - 1
    return columns

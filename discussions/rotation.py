"""Who holds which role on a structured prompt: a fair rotation within each squad.

When a facilitator publishes a structured prompt, each squad's members get the
prompt's roles (by default questioner, summarizer and challenger; any list of one
or more roles works). The roles are worked out from what each member actually
held on the squad's earlier prompts, swaps by the facilitator included. This
module is pure: no database, and the same squad, roles and history always give
the same answer.

How roles are given out
-----------------------
1. Everyone gets a role before anyone repeats it. For each role, nobody holds it
   a second time before everyone in the squad has held it once; in general,
   nobody holds it an (n+1)-th time while a squad-mate has held it fewer than
   n times. Each member also goes through every role before holding one again.
2. A member holds at most one role per prompt, and a role goes to at most one
   member.
3. More members than roles (say 7 members, 3 roles): every role is filled on
   every prompt and the other members take part as contributors, without a role.
   Contributor turns rotate too: the members who are still owed the most roles
   in the current round get roles first, and in every 7 prompts each member
   holds each role exactly once and is a contributor 4 times.
4. Fewer members than roles (say 2 members, 3 roles): each member holds exactly
   one role and the remaining roles stay open on that prompt. Which roles stay
   open rotates too: in every 3 prompts each member holds each role exactly once
   and each role stays open exactly once.
5. As many members as roles: everybody holds a role on every prompt, a
   different one each time until they have held them all.
6. When several answers are equally fair, members listed earlier get roles
   listed earlier, so the rotation is predictable.

When the squad changes
----------------------
- A member who left: what they held no longer counts.
- A member who joins (or comes back): they join the rotation where it stands.
  For each role they count as having held it as often as the squad-mate who has
  held it least, so they are in line for every role with everyone who has not
  had it yet this round, and are first to get a role when some members must be
  contributors, but they do not have to catch up on rounds held before they
  joined.

After a facilitator's swap
--------------------------
Swaps are honoured, and the next assignment is worked out from who really held
what. A swap can make rule 1 impossible to keep for a while (if Ana is made
questioner twice in a row, somebody else will be questioner for the second
time before she has been challenger once). Whenever rule 1 can be kept for the
next prompt, it is kept. When it cannot, each role goes to the members furthest
behind on it: no member gets a role more times ahead of their squad-mates than
unavoidable, and as few members as possible get a role they are ahead on.

Changing the roles of later prompts is also fine: past turns count by role name,
and a new role starts with nobody having held it.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import TypeVar

Member = TypeVar("Member", bound=Hashable)

DEFAULT_ROLES: tuple[str, ...] = ("questioner", "summarizer", "challenger")

# The roles of one prompt in one squad: every member mapped to the role they
# hold, or to None when they take part as a contributor without a role.
Assignment = dict[Member, str | None]


def assign_roles(
    members: Sequence[Member],
    *,
    roles: Sequence[str] = DEFAULT_ROLES,
    history: Sequence[Mapping[Member, str | None]] = (),
) -> dict[Member, str | None]:
    """Give the squad's members their roles for the next prompt.

    ``members`` is the squad as it is now; their order only breaks ties.
    ``history`` holds, oldest first, one assignment per earlier prompt of this
    squad as it really happened (after any swaps), mapping each member who was in
    the squad then to the role they held, or None. Members no longer in the squad
    and roles not in ``roles`` are ignored.

    Returns every member mapped to a role or to None (contributor), in the order
    of ``members``. Exactly ``min(len(members), len(roles))`` roles are filled.
    """
    members = list(members)
    roles = list(roles)
    _check_distinct(members, "member")
    _check_distinct(roles, "role")
    if not roles:
        raise ValueError("A prompt needs at least one role.")
    if not members:
        return {}

    held = _held_counts(members, roles, history)
    cost = _cost_matrix(members, roles, held)
    columns = _min_cost_assignment(cost)
    return {
        member: roles[col] if col < len(roles) else None
        for member, col in zip(members, columns, strict=False)
    }


def plan_rotation(
    members: Sequence[Member],
    *,
    prompts: int,
    roles: Sequence[str] = DEFAULT_ROLES,
    history: Sequence[Mapping[Member, str | None]] = (),
) -> list[dict[Member, str | None]]:
    """The assignments for the next ``prompts`` prompts if nobody swaps and the
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
    """A copy of ``assignment`` in which ``first`` and ``second`` trade roles
    (either may be a contributor, with no role)."""
    for member in (first, second):
        if member not in assignment:
            raise ValueError(f"{member!r} has no place in this assignment.")
    swapped = dict(assignment)
    swapped[first], swapped[second] = assignment[second], assignment[first]
    return swapped


def _check_distinct(items: Sequence[Hashable], what: str) -> None:
    if len(set(items)) != len(items):
        raise ValueError(f"Each {what} may be listed only once.")


def _held_counts(
    members: Sequence[Member], roles: Sequence[str], history: Sequence[Mapping[Member, str | None]]
) -> dict[Member, dict[str, int]]:
    """How often each member has held each role, counting a member who joined
    (or came back) as having held each role as often as the squad-mate who had
    held it least when they joined."""
    held: dict[Member, dict[str, int]] = {}
    squad: set[Member] = set()
    for prompt in [*history, dict.fromkeys(members)]:
        _credit_joiners(held, squad, set(prompt), roles)
        squad = set(prompt)
        for member, role in prompt.items():
            if role in held[member]:
                held[member][role] += 1
        if CLAMP:
            for role in roles:
                least = min(held[m][role] for m in squad)
                for m in squad:
                    held[m][role] = min(held[m][role], least + 1)
    return {member: held[member] for member in members}
CLAMP = True


def _credit_joiners(
    held: dict[Member, dict[str, int]], squad: set[Member], next_squad: set[Member], roles: Sequence[str]
) -> None:
    staying = squad & next_squad
    for member in next_squad - squad:
        counts = held.setdefault(member, dict.fromkeys(roles, 0))
        if staying:
            for role in roles:
                counts[role] = max(counts[role], min(held[other][role] for other in staying))


def _cost_matrix(
    members: Sequence[Member], roles: Sequence[str], held: Mapping[Member, Mapping[str, int]]
) -> list[list[int]]:
    """A square cost matrix (rows: members, then open-role placeholders; columns:
    roles, then contributor placeholders) whose cheapest assignment is the
    fairest one. The cost of an assignment ranks it by these tiers, each one
    deciding before the next is looked at:

    1. how far ahead of the squad each member is on the role they get (rule 1),
       worst case first, as exponential weights make one member two turns ahead
       cost more than any number of members one turn ahead;
    2. how far ahead each member is of their own least-held role;
    3. who sits out (members owed the fewest roles this round) or which roles stay
       open (the roles the fewest members still wait for this round): sitting out
       someone who is owed a role on every remaining prompt of the round, or
       leaving open a role every remaining prompt must fill, would make rule 1
       impossible to keep later, so it costs more than any other choice;
    4. members listed earlier get roles listed earlier.
    """
    n, k = len(members), len(roles)
    size = max(n, k)
    base = size + 1
    squad_least = {role: min(held[m][role] for m in members) for role in roles}
    own_least = {m: min(held[m].values()) for m in members}
    behind_on = {role: {m for m in members if held[m][role] == squad_least[role]} for role in roles}
    owed = {m: sum(m in behind_on[role] for role in roles) for m in members}
    waiting = {role: sum(held[m][role] == own_least[m] for m in members) for role in roles}

    # tiers[row][col] = (ahead of squad, ahead of own rotation, sit-out/open, tie-break)
    tiers: list[list[tuple[int, int, int, int]]] = []
    for row in range(size):
        line = []
        for col in range(size):
            if row < n and col < k:
                member, role = members[row], roles[col]
                line.append(
                    (
                        base ** (held[member][role] - squad_least[role]) - 1,
                        base ** (held[member][role] - own_least[member]) - 1,
                        0,
                        col * base ** (size - 1 - row),
                    )
                )
            elif row < n:  # a contributor placeholder: this member gets no role
                line.append((0, 0, base ** owed[members[row]], k * base ** (size - 1 - row)))
            else:  # an open-role placeholder: this role stays open
                line.append((0, 0, base ** waiting[roles[col]], 0))
        tiers.append(line)

    # Fold the tiers into one integer per cell; each scale exceeds the largest
    # total the tiers below it can reach, so a higher tier always wins.
    cost = [[0] * size for _ in range(size)]
    for tier in range(4):
        scale = size * max(cell[tier] for line in tiers for cell in line) + 1
        for row in range(size):
            for col in range(size):
                cost[row][col] = cost[row][col] * scale + tiers[row][col][tier]
    return cost


def _min_cost_assignment(cost: Sequence[Sequence[int]]) -> list[int]:
    """The column given to each row in a cheapest one-to-one assignment of a
    square matrix: the Hungarian method with potentials, O(size**3), exact on
    integers of any size."""
    size = len(cost)
    row_potential = [0] * (size + 1)
    col_potential = [0] * (size + 1)
    row_of_col = [0] * (size + 1)  # 1-based rows and columns; 0 means none
    for row in range(1, size + 1):
        # Grow a tree of tight edges from `row` until it reaches a free column,
        # then flip the matching along that path.
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

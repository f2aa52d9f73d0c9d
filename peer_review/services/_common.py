"""Helpers shared by the peer review services."""

from __future__ import annotations


def level_errors(levels: dict, criteria: dict) -> list[str]:
    """Messages for a {criterion id: (level, text)} that misses a criterion or a level."""
    errors = []
    for pk, criterion in criteria.items():
        if pk not in levels:
            errors.append(f"Choose a level for \u201c{criterion.title}\u201d.")
            continue
        level = levels[pk][0]
        count = len(criterion.levels.all())
        if not isinstance(level, int) or isinstance(level, bool) or not 0 <= level < count:
            errors.append(f"\u201c{criterion.title}\u201d has levels 1 to {count}.")
    if unknown := set(levels) - set(criteria):
        errors.append(f"Unknown criteria: {sorted(unknown)}.")
    return errors

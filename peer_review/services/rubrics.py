"""Writes for rubrics: create, edit (a new version once frozen), publish."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from core import audit
from core.errors import invalid
from core.events import emit
from core.policy import require

from ..events import PeerReviewVerb
from ..models import Criterion, Level, Rubric, RubricState

MAX_CRITERIA = 12
MAX_LEVELS = 7


def _clean_criteria(criteria: list[dict]) -> list[dict]:
    """Check the criteria and their levels; return them normalised. Levels must come
    lowest points first, each worth more than the one before."""
    if not criteria:
        raise invalid(criteria="Add at least one criterion.")
    if len(criteria) > MAX_CRITERIA:
        raise invalid(criteria=f"A rubric has at most {MAX_CRITERIA} criteria.")
    cleaned = []
    for number, criterion in enumerate(criteria, start=1):
        title = (criterion.get("title") or "").strip()
        if not title:
            raise invalid(criteria=f"Criterion {number} needs a title.")
        try:
            weight = Decimal(str(criterion.get("weight", 1)))
        except (InvalidOperation, ValueError):
            raise invalid(criteria=f"Criterion {number}: the weight must be a number.") from None
        if not weight.is_finite() or weight < 0 or weight > 999:
            raise invalid(criteria=f"Criterion {number}: the weight must lie between 0 and 999.")
        levels = criterion.get("levels") or []
        if not 2 <= len(levels) <= MAX_LEVELS:
            raise invalid(criteria=f"Criterion {number} needs between 2 and {MAX_LEVELS} levels.")
        clean_levels, previous = [], None
        for level in levels:
            descriptor = (level.get("descriptor") or "").strip()
            try:
                points = Decimal(str(level.get("points")))
            except (InvalidOperation, ValueError):
                raise invalid(criteria=f"Criterion {number}: every level needs points.") from None
            if not descriptor:
                raise invalid(criteria=f"Criterion {number}: every level needs a descriptor.")
            if not points.is_finite() or points < 0 or points > 9999:
                raise invalid(criteria=f"Criterion {number}: points must lie between 0 and 9999.")
            if previous is not None and points <= previous:
                raise invalid(
                    criteria=f"Criterion {number}: list the levels from fewest to most "
                    "points, each worth more than the one before."
                )
            previous = points
            clean_levels.append({"points": points, "descriptor": descriptor[:300]})
        cleaned.append(
            {
                "title": title[:200],
                "description": (criterion.get("description") or "").strip(),
                "weight": weight,
                "comment_prompt": (criterion.get("comment_prompt") or "").strip()[:300],
                "levels": clean_levels,
            }
        )
    if sum(c["weight"] * c["levels"][-1]["points"] for c in cleaned) <= 0:
        raise invalid(criteria="The rubric must be worth some points.")
    return cleaned


def _write_criteria(rubric: Rubric, criteria: list[dict]) -> None:
    rubric.criteria.all().delete()
    for order, data in enumerate(criteria):
        criterion = Criterion.objects.create(
            rubric=rubric,
            order=order,
            title=data["title"],
            description=data["description"],
            weight=data["weight"],
            comment_prompt=data["comment_prompt"],
        )
        Level.objects.bulk_create(
            [
                Level(
                    criterion=criterion, order=index, points=level["points"], descriptor=level["descriptor"]
                )
                for index, level in enumerate(data["levels"])
            ]
        )


def rubric_criteria_data(rubric: Rubric) -> list[dict]:
    """A rubric's criteria in the shape the services take (to copy or prefill a form)."""
    return [
        {
            "title": c.title,
            "description": c.description,
            "weight": c.weight,
            "comment_prompt": c.comment_prompt,
            "levels": [{"points": level.points, "descriptor": level.descriptor} for level in c.levels.all()],
        }
        for c in rubric.criteria.prefetch_related("levels")
    ]


@transaction.atomic
def rubric_create(*, actor, title: str, criteria: list[dict], description: str = "") -> Rubric:
    require(actor, "rubric.manage")
    title = (title or "").strip()
    if not title:
        raise invalid(title="Give the rubric a title.")
    cleaned = _clean_criteria(criteria)
    rubric = Rubric.objects.create(
        organization_id=actor.organization_id,
        title=title[:200],
        description=(description or "").strip(),
        created_by=actor,
    )
    _write_criteria(rubric, cleaned)
    audit.record(actor=actor, action="rubric.create", target=rubric, organization=rubric.organization)
    return rubric


@transaction.atomic
def rubric_update(
    *, actor, rubric: Rubric, title: str, criteria: list[dict], description: str = ""
) -> Rubric:
    """Edit a rubric. A frozen version (used by a published assignment) stays as it is:
    the edit becomes a new draft version of the same rubric, which is returned."""
    require(actor, "rubric.manage", rubric)
    rubric = Rubric.objects.select_for_update().get(pk=rubric.pk)
    title = (title or "").strip()
    if not title:
        raise invalid(title="Give the rubric a title.")
    cleaned = _clean_criteria(criteria)
    if rubric.frozen:
        latest = Rubric.objects.filter(family=rubric.family).aggregate(Max("version"))["version__max"]
        new = Rubric.objects.create(
            organization_id=rubric.organization_id,
            family=rubric.family,
            version=latest + 1,
            title=title[:200],
            description=(description or "").strip(),
            created_by=actor,
        )
        _write_criteria(new, cleaned)
        audit.record(
            actor=actor,
            action="rubric.new_version",
            target=new,
            organization=new.organization,
            changes={"version": [rubric.version, new.version]},
        )
        return new
    before = audit.snapshot(rubric, ["title", "description"])
    rubric.title, rubric.description = title[:200], (description or "").strip()
    rubric.save(update_fields=["title", "description"])
    _write_criteria(rubric, cleaned)
    audit.record(
        actor=actor,
        action="rubric.update",
        target=rubric,
        organization=rubric.organization,
        changes=audit.diff(before, audit.snapshot(rubric, ["title", "description"])),
    )
    return rubric


@transaction.atomic
def rubric_publish(*, actor, rubric: Rubric) -> Rubric:
    """Make a rubric available to assignments."""
    require(actor, "rubric.manage", rubric)
    rubric = Rubric.objects.select_for_update().get(pk=rubric.pk)
    if rubric.state == RubricState.PUBLISHED:
        return rubric
    rubric.state, rubric.published_at = RubricState.PUBLISHED, timezone.now()
    rubric.save(update_fields=["state", "published_at"])
    audit.record(actor=actor, action="rubric.publish", target=rubric, organization=rubric.organization)
    emit(
        PeerReviewVerb.RUBRIC_PUBLISHED,
        organization=rubric.organization,
        actor=actor,
        subject=rubric,
        payload={
            "rubric_id": rubric.pk,
            "family": str(rubric.family),
            "version": rubric.version,
            "criteria": rubric.criteria.count(),
        },
    )
    return rubric

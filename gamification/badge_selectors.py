"""Reads of badges: the catalogue a member sees with their own progress, a badge's
page with who earned it, a person's awards, and what the public credential pages
resolve. Every read is a fixed number of queries however many badges, awards or
earners there are.

Progress is read from the same rows the consumer writes (``BadgeProgress`` per week,
``PointTotal`` per cohort) and judged the way ``services.badges`` judges it, so "9 of
10 reviews" turns into the badge on the tenth.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Max, Q
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from cohorts.models import Organization
from core import policy

from .badge_models import Badge, BadgeAward, BadgeKind, BadgeProgress
from .models import PointTotal
from .points import local_day
from .services.badges import effective_badges

EARNERS_SHOWN = 50

# What a counting badge counts, as "7 of 10 <plural>". Keyed by verb, then by whose
# progress it is where that changes the words (kudos given or received).
_COUNTED: dict[str, tuple[str, str]] = {
    "review_submitted": ("review", "reviews"),
    "usefulness_rated": ("review rated useful", "reviews rated useful"),
    "calibration_completed": ("close calibration", "close calibrations"),
    "post_created": ("post", "posts"),
    "reply_created": ("reply", "replies"),
    "post_endorsed": ("endorsement", "endorsements"),
    "top_take_selected": ("Top Take", "Top Takes"),
    "microtask_completed": ("micro-task", "micro-tasks"),
    "squad_milestone_reached": ("squad milestone", "squad milestones"),
    "kudos_given": ("kudos", "kudos"),
}
_COUNTED_FOR_RECIPIENT: dict[tuple[str, str], tuple[str, str]] = {
    ("kudos_given", "recipient_id"): ("kudos received", "kudos received"),
    ("kudos_given", "actor"): ("kudos given", "kudos given"),
    ("post_endorsed", "author_id"): ("endorsement received", "endorsements received"),
    ("post_endorsed", "actor"): ("endorsement given", "endorsements given"),
}


def image_path(organization_id: int, badge_id: int) -> str:
    """The badge's medallion as the issuer publishes it (same address as in credentials)."""
    return reverse("credentials:image", args=[organization_id, badge_id])


@dataclass
class BadgeStanding:
    """A badge as one person sees it: earned (or revoked), else how far along they are."""

    badge: Badge
    organization_id: int
    award: BadgeAward | None = None
    current: int = 0
    target: int = 1
    unit: str = ""
    earners: int | None = None  # visible earners of a public badge; None when not shown

    @property
    def earned(self) -> bool:
        return self.award is not None and not self.award.is_revoked

    @property
    def revoked(self) -> bool:
        return self.award is not None and self.award.is_revoked

    @property
    def progress_text(self) -> str:
        if self.badge.kind == BadgeKind.SINGLE_EVENT:
            return "Not earned yet"
        return f"{min(self.current, self.target)} of {self.target} {self.unit}"

    @property
    def image_path(self) -> str:
        return image_path(self.organization_id, self.badge.pk)


def _unit(badge: Badge, amount: int) -> str:
    if badge.kind == BadgeKind.POINTS:
        return "point" if amount == 1 else "points"
    if badge.kind == BadgeKind.STREAK:
        return "week in a row" if amount == 1 else "weeks in a row"
    singular, plural = _COUNTED_FOR_RECIPIENT.get((badge.verb, badge.recipient)) or _COUNTED.get(
        badge.verb, ("event", "events"))
    unit = singular if amount == 1 else plural
    if badge.period_weeks:
        unit += f" in the last {badge.period_weeks} weeks"
    return unit


def _current(badge: Badge, weeks: dict[dt.date, int], this_week: dt.date, best_total: int) -> int:
    """How far along the criterion is now, in the criterion's own unit."""
    if badge.kind == BadgeKind.POINTS:
        return best_total
    if badge.kind == BadgeKind.STREAK:
        # The run still alive: through this week once it counts, else through last week
        # (this week can still keep it going).
        step = dt.timedelta(weeks=1)
        week = this_week if weeks.get(this_week, 0) >= badge.per_week else this_week - step
        run = 0
        while weeks.get(week, 0) >= badge.per_week:
            run += 1
            week -= step
        return run
    if badge.period_weeks:
        since = this_week - dt.timedelta(weeks=badge.period_weeks - 1)
        return sum(count for week, count in weeks.items() if since <= week <= this_week)
    return sum(weeks.values())


def _organization_id(user) -> int:
    organization_id = policy.roles(user).organization_id
    if organization_id is None:
        raise Http404("Badges belong to an organisation.")
    return organization_id


def _visible_earners(viewer, awards):
    """Of `awards`, those shown as earners of a public badge: not revoked, and not of
    learners who keep off leaderboards (the same wish keeps them off badge lists)."""
    return (policy.scope(viewer, awards)
            .filter(badge__is_public=True, revoked_at__isnull=True)
            .exclude(learner__points_preference__hide_from_leaderboards=True))


def _standings(viewer, badges: list[Badge], organization_id: int, *, now=None) -> list[BadgeStanding]:
    """Each badge with the viewer's award or progress: four queries at most, whatever the count."""
    if not badges:
        return []
    ids = [badge.pk for badge in badges]
    awards = {award.badge_id: award for award in
              BadgeAward.objects.filter(learner=viewer, organization_id=organization_id, badge_id__in=ids)
              .select_related("cohort")}
    weeks: dict[int, dict[dt.date, int]] = defaultdict(dict)
    counting = [badge.pk for badge in badges if badge.kind != BadgeKind.POINTS and badge.pk not in awards]
    if counting:
        for badge_id, week, count in BadgeProgress.objects.filter(
                learner=viewer, badge_id__in=counting).values_list("badge_id", "week", "count"):
            weeks[badge_id][week] = count
    best_total = 0
    if any(badge.kind == BadgeKind.POINTS and badge.pk not in awards for badge in badges):
        # "N points in a cohort": the learner's best cohort is the one that counts.
        best = PointTotal.objects.filter(learner=viewer, cohort__organization_id=organization_id).aggregate(
            best=Max("points"))["best"]
        best_total = best or 0
    public = [badge.pk for badge in badges if badge.is_public]
    earners = {}
    if public:
        earners = dict(_visible_earners(viewer, BadgeAward.objects.filter(badge_id__in=public))
                       .order_by().values("badge_id").annotate(n=Count("id")).values_list("badge_id", "n"))
    # Progress weeks are Mondays in the cohort's timezone; the learner's own timezone
    # names the same Monday except in the hours around midnight.
    this_week = local_day(now or timezone.now(), getattr(viewer, "timezone", "") or "UTC")[1]
    standings = []
    for badge in badges:
        current = _current(badge, weeks[badge.pk], this_week, best_total)
        standings.append(BadgeStanding(
            badge=badge, organization_id=organization_id, award=awards.get(badge.pk), current=current,
            target=badge.threshold, unit=_unit(badge, badge.threshold),
            earners=earners.get(badge.pk, 0) if badge.is_public else None,
        ))
    return standings


@dataclass
class Catalogue:
    earned: list[BadgeStanding] = field(default_factory=list)
    to_earn: list[BadgeStanding] = field(default_factory=list)


def badge_catalogue(viewer, *, now=None) -> Catalogue:
    """The badges of the viewer's organisation (its own and the house defaults it has
    not replaced), earned or revoked ones first, then the rest with the viewer's progress."""
    organization_id = _organization_id(viewer)
    standings = _standings(viewer, effective_badges(organization_id), organization_id, now=now)
    catalogue = Catalogue()
    for standing in standings:
        (catalogue.earned if standing.award else catalogue.to_earn).append(standing)
    catalogue.earned.sort(key=lambda standing: standing.award.awarded_at, reverse=True)
    return catalogue


@dataclass
class BadgePage:
    standing: BadgeStanding
    earners: list[BadgeAward]  # newest first, at most EARNERS_SHOWN
    earner_count: int
    retired: bool = False  # no longer awarded here; shown because the viewer holds it

    @property
    def badge(self) -> Badge:
        return self.standing.badge

    @property
    def more_earners(self) -> int:
        return max(0, self.earner_count - len(self.earners))


def badge_page(viewer, code: str, *, now=None) -> BadgePage:
    """A badge of the viewer's organisation by code: what it means, how to earn it, the
    viewer's award or progress and, for a public badge, who earned it. A code the
    organisation does not award is a 404, unless the viewer holds it from before."""
    organization_id = _organization_id(viewer)
    badges = effective_badges(organization_id, code=code)
    retired = False
    if not badges:
        held = (BadgeAward.objects.filter(learner=viewer, organization_id=organization_id, badge__code=code)
                .select_related("badge").first())
        if held is None:
            raise Http404("No such badge here.")
        badges, retired = [held.badge], True
    badge = badges[0]
    standing = _standings(viewer, [badge], organization_id, now=now)[0]
    earners: list[BadgeAward] = []
    count = 0
    if badge.is_public:
        visible = _visible_earners(viewer, BadgeAward.objects.filter(badge=badge))
        count = standing.earners or 0
        if count:
            earners = list(visible.select_related("learner").order_by("-awarded_at", "pk")[:EARNERS_SHOWN])
    return BadgePage(standing=standing, earners=earners, earner_count=count, retired=retired)


def awards_of_learner(learner) -> list[BadgeAward]:
    """A learner's own awards, revoked ones included (they see why), newest first."""
    return list(BadgeAward.objects.filter(learner=learner, organization_id=learner.organization_id)
                .select_related("badge").order_by("-awarded_at", "pk"))


def awards_shown_on_member_page(viewer, member_id: int) -> list[BadgeAward]:
    """A member's badges as another person sees them: public badges only, never revoked
    ones, and none of a learner who keeps off leaderboards. To themselves, all of theirs."""
    if member_id == viewer.pk:
        return awards_of_learner(viewer)
    return list(_visible_earners(viewer, BadgeAward.objects.filter(learner_id=member_id))
                .select_related("badge").order_by("-awarded_at", "pk"))


def award_for_credential(user, award_id: uuid.UUID) -> BadgeAward:
    """An award whose credential `user` may download (the earner's, not revoked), else 404.
    A revoked award gets no freshly signed credential: a verifier that only checks the
    signature would take it for a valid one."""
    award = (policy.scope(user, BadgeAward.objects.filter(pk=award_id, revoked_at__isnull=True))
             .select_related("badge", "learner", "organization").first())
    if award is None or not policy.allows(user, "badges.credential", award):
        raise Http404("No such credential.")
    return award


# --- the public credential pages (no viewer: they show what a credential says) ----------


def public_award(award_id: uuid.UUID) -> BadgeAward:
    award = (BadgeAward.objects.filter(pk=award_id)
             .select_related("badge", "learner", "organization").first())
    if award is None:
        raise Http404("No such badge award.")
    return award


def issuer(organization_id: int) -> Organization:
    """An organisation as a badge issuer: only once it has signed a credential, so the
    public profile cannot be used to list every organisation's name."""
    organization = Organization.objects.filter(pk=organization_id, badge_signing_key__isnull=False).first()
    if organization is None:
        raise Http404("No such issuer.")
    return organization


def achievement(organization_id: int, badge_id: int) -> Badge:
    """A badge as one organisation's achievement: one it awards now (its own, or a house
    default it has not replaced), or one it awarded before (switched off or replaced
    since), so the credentials already out there keep their achievement and image."""
    badge = (Badge.objects.filter(Q(organization_id=organization_id) | Q(organization__isnull=True),
                                  pk=badge_id).first())
    if badge is None:
        raise Http404("No such achievement.")
    if any(effective.pk == badge.pk for effective in effective_badges(organization_id, code=badge.code)):
        return badge
    if BadgeAward.objects.filter(organization_id=organization_id, badge=badge).exists():
        return badge
    raise Http404("No such achievement.")

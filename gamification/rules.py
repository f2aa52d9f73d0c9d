"""The gamification app's part of the policy (registered into core.policy, the one
place that decides access).

* Point rules: HR admins edit their organisation's rules and read the house
  defaults (which only operators change); nobody else sees them.
* Ledger entries, totals and weekly points: HR admins and analysts of the
  organisation see all of them; facilitators those of the cohorts they run; a
  learner their own.
* Kudos: any member of a cohort (whatever their role) thanks a peer there; HR admins
  and analysts who are not members do not. Kudos are public thanks: every member of
  the cohort sees its kudos (and everyone the ones they sent or received), HR admins
  and analysts all of the organisation's.
* Badges: every member of the organisation sees its badges (its own and the house
  defaults it has not replaced); HR admins edit them in admin.
* Badge awards: the earner sees theirs and downloads its credential; HR admins and
  analysts see the organisation's, facilitators those earned in the cohorts they run,
  and any member of the organisation the earners of a public badge (except learners
  who hide from leaderboards, and awards since revoked). Only HR admins revoke. The public verification page
  needs no login: it shows what the credential itself already says.
"""

from django.db.models import Q

from core import policy

from .badge_models import Badge, BadgeAward
from .models import Kudos, LedgerEntry, PointRule, PointTotal, WeeklyPoints

policy.register_tenant(PointRule, lambda rule: rule.organization_id)
policy.register_tenant(LedgerEntry, lambda entry: entry.organization_id)
policy.register_tenant(PointTotal, lambda total: total.cohort.organization_id)
policy.register_tenant(WeeklyPoints, lambda week: week.cohort.organization_id)
policy.register_tenant(Kudos, lambda kudos: kudos.cohort.organization_id)
policy.register_tenant(Badge, lambda badge: badge.organization_id)
policy.register_tenant(BadgeAward, lambda award: award.organization_id)


@policy.rule("points.rules.manage")
def _manages_point_rules(user, roles: policy.Roles, obj) -> bool:
    return roles.is_hr_admin


@policy.rule("kudos.give")
def _gives_kudos(user, roles: policy.Roles, cohort) -> bool:
    """Members of the cohort, in any cohort role; an organisation role alone is not enough."""
    return cohort is not None and cohort.pk in roles.cohort_roles


def _scope_rules(queryset, user, roles: policy.Roles):
    if not roles.is_hr_admin:
        return queryset.none()
    return queryset.filter(Q(organization_id=roles.organization_id) | Q(organization__isnull=True))


def _scope_points(queryset, user, roles: policy.Roles):
    """Rows with a cohort and a learner."""
    queryset = queryset.filter(cohort__organization_id=roles.organization_id)
    if roles.is_hr_admin or roles.is_analyst:
        return queryset
    return queryset.filter(Q(learner=user) | Q(cohort_id__in=list(roles.facilitated_cohort_ids)))


policy.register_scope(PointRule, _scope_rules)
policy.register_scope(LedgerEntry, _scope_points)
policy.register_scope(PointTotal, _scope_points)
policy.register_scope(WeeklyPoints, _scope_points)


def _scope_kudos(queryset, user, roles: policy.Roles):
    queryset = queryset.filter(cohort__organization_id=roles.organization_id)
    if roles.is_hr_admin or roles.is_analyst:
        return queryset
    return queryset.filter(Q(cohort_id__in=list(roles.cohort_roles)) | Q(sender=user) | Q(recipient=user))


policy.register_scope(Kudos, _scope_kudos)


@policy.rule("badges.revoke")
def _revokes_badges(user, roles: policy.Roles, award) -> bool:
    return roles.is_hr_admin


@policy.rule("badges.credential")
def _downloads_credential(user, roles: policy.Roles, award) -> bool:
    """Only the earner downloads their credential (it carries their name)."""
    return award is not None and award.learner_id == user.pk


def _scope_badges(queryset, user, roles: policy.Roles):
    return queryset.filter(Q(organization_id=roles.organization_id) | Q(organization__isnull=True))


def _scope_awards(queryset, user, roles: policy.Roles):
    queryset = queryset.filter(organization_id=roles.organization_id)
    if roles.is_hr_admin or roles.is_analyst:
        return queryset
    public = (Q(badge__is_public=True, revoked_at__isnull=True)
              & ~Q(learner__points_preference__hide_from_leaderboards=True))
    return queryset.filter(Q(learner=user) | Q(cohort_id__in=list(roles.facilitated_cohort_ids)) | public)


policy.register_scope(Badge, _scope_badges)
policy.register_scope(BadgeAward, _scope_awards)

"""The gamification app's part of the policy (registered into core.policy, the one
place that decides access).

* Point rules: HR admins edit their organisation's rules and read the house
  defaults (which only operators change); nobody else sees them.
* Ledger entries, totals and weekly points: HR admins and analysts of the
  organisation see all of them; facilitators those of the cohorts they run; a
  learner their own.
"""

from django.db.models import Q

from core import policy

from .models import LedgerEntry, PointRule, PointTotal, WeeklyPoints

policy.register_tenant(PointRule, lambda rule: rule.organization_id)
policy.register_tenant(LedgerEntry, lambda entry: entry.organization_id)
policy.register_tenant(PointTotal, lambda total: total.cohort.organization_id)
policy.register_tenant(WeeklyPoints, lambda week: week.cohort.organization_id)


@policy.rule("points.rules.manage")
def _manages_point_rules(user, roles: policy.Roles, obj) -> bool:
    return roles.is_hr_admin


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

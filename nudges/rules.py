"""The nudges app's part of the policy (registered into core.policy).

* Rules: HR admins manage their organisation's rules in admin; facilitators manage the
  rules aimed at a cohort they run (and read the organisation-wide ones) in the portal.
* Messages (the delivery log): a person sees the messages sent to them; facilitators
  those of the cohorts they run; HR admins and analysts all of the organisation's.
* Approval queue: facilitators approve or skip proposed nudges of their cohorts; HR
  admins of the organisation too.
* Peer reminders: any member of a cohort reminds another member.
* Delivery settings (send window, weekly cap): the organisation's own, edited by HR
  admins in admin.
"""

from django.db.models import Q

from core import policy

from .models import DeliverySettings, Digest, Message, NudgeRule

policy.register_tenant(NudgeRule, lambda rule: rule.organization_id)
policy.register_tenant(Message, lambda message: message.organization_id)
policy.register_tenant(Digest, lambda digest: digest.cohort.organization_id)
policy.register_tenant(DeliverySettings, lambda row: row.organization_id)


def _runs(roles: policy.Roles, cohort) -> bool:
    return cohort is not None and cohort.pk in roles.facilitated_cohort_ids


@policy.rule("nudges.approve")
def _approves(user, roles: policy.Roles, cohort) -> bool:
    return roles.is_hr_admin or _runs(roles, cohort)


@policy.rule("nudges.rules.manage")
def _manages_rules(user, roles: policy.Roles, rule) -> bool:
    """HR admins any rule; facilitators the rules aimed at a cohort they run
    (`rule` may be a cohort, when a rule is being created for it)."""
    if roles.is_hr_admin:
        return True
    cohort = getattr(rule, "cohort", rule)
    return _runs(roles, cohort)


@policy.rule("nudges.peer")
def _reminds_peer(user, roles: policy.Roles, cohort) -> bool:
    return cohort is not None and cohort.pk in roles.cohort_roles


def _scope_rules(queryset, user, roles: policy.Roles):
    queryset = queryset.filter(organization_id=roles.organization_id)
    if roles.is_hr_admin or roles.is_analyst:
        return queryset
    if roles.is_facilitator:
        return queryset.filter(Q(cohort__isnull=True) | Q(cohort_id__in=list(roles.facilitated_cohort_ids)))
    return queryset.none()


def _scope_messages(queryset, user, roles: policy.Roles):
    queryset = queryset.filter(organization_id=roles.organization_id)
    if roles.is_hr_admin or roles.is_analyst:
        return queryset
    return queryset.filter(Q(user=user) | Q(cohort_id__in=list(roles.facilitated_cohort_ids)))


def _scope_digests(queryset, user, roles: policy.Roles):
    """Sent digests of the cohorts one sees; drafts only for who runs the cohort."""
    queryset = queryset.filter(cohort__organization_id=roles.organization_id)
    if roles.is_hr_admin:
        return queryset
    sent = Q(state="sent")
    if roles.is_analyst:
        return queryset.filter(sent)
    return queryset.filter(Q(cohort_id__in=list(roles.facilitated_cohort_ids))
                           | (sent & Q(cohort_id__in=list(roles.cohort_roles))))


policy.register_scope(NudgeRule, _scope_rules)
policy.register_scope(Digest, _scope_digests)
policy.register_scope(Message, _scope_messages)
policy.register_scope(DeliverySettings, lambda queryset, user, roles: queryset.filter(
    organization_id=roles.organization_id))

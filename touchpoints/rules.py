"""The touchpoints app's part of the policy (registered into core.policy).

* Facilitators of the cohort and HR admins of its organisation schedule, change and
  cancel live sessions and record who attended.
* Members of the cohort, in any cohort role, see its sessions and answer the
  invitation (RSVP). A squad-only session is for that squad's members and the
  cohort's staff (facilitators and experts); other members do not see it.
* Analysts (and HR admins) see every session of the organisation; analysts do not act.
* Attendance: staff of the organisation or cohort see all of it, everyone their own.
"""

from django.db.models import Q

from cohorts.models import CohortRole
from core import policy

from .models import Attendance, Rsvp, Touchpoint

# Cohort roles that are invited to every session of their cohort, squad-only ones included.
STAFF_ROLES = frozenset({CohortRole.FACILITATOR, CohortRole.EXPERT})

policy.register_tenant(Touchpoint, lambda touchpoint: touchpoint.cohort.organization_id)
policy.register_tenant(Rsvp, lambda rsvp: rsvp.touchpoint.cohort.organization_id)
policy.register_tenant(Attendance, lambda attendance: attendance.touchpoint.cohort.organization_id)


def is_invited(roles: policy.Roles, touchpoint: Touchpoint) -> bool:
    """Whether someone with these roles is among the session's invitees."""
    role = roles.cohort_roles.get(touchpoint.cohort_id)
    if role is None:
        return False
    if touchpoint.squad_id is None or role in STAFF_ROLES:
        return True
    return roles.cohort_squads.get(touchpoint.cohort_id) == touchpoint.squad_id


@policy.rule("touchpoint.manage")
def _runs_sessions(user, roles: policy.Roles, obj) -> bool:
    """`obj` is the cohort (to schedule) or the session."""
    if roles.is_hr_admin:
        return True
    cohort_id = obj.pk if obj is not None and obj._meta.label_lower == "cohorts.cohort" else getattr(
        obj, "cohort_id", None)
    return cohort_id in roles.facilitated_cohort_ids


@policy.rule("touchpoint.rsvp")
def _answers_invitation(user, roles: policy.Roles, touchpoint) -> bool:
    return touchpoint is not None and is_invited(roles, touchpoint)


def visible_touchpoints(roles: policy.Roles) -> Q:
    """Sessions of the organisation this person sees (a Q on Touchpoint)."""
    if roles.is_hr_admin or roles.is_analyst:
        return Q()
    staff = [cid for cid, role in roles.cohort_roles.items() if role in STAFF_ROLES]
    squads = [sid for sid in roles.cohort_squads.values() if sid is not None]
    return (Q(cohort_id__in=staff) | Q(cohort_id__in=list(roles.cohort_roles), squad__isnull=True)
            | Q(squad_id__in=squads))


def _scope_touchpoints(queryset, user, roles: policy.Roles):
    return queryset.filter(visible_touchpoints(roles), cohort__organization_id=roles.organization_id)


def _scope_rsvps(queryset, user, roles: policy.Roles):
    """Who is coming is shown to whoever sees the session."""
    visible = Touchpoint.objects.filter(visible_touchpoints(roles))
    return queryset.filter(touchpoint__cohort__organization_id=roles.organization_id,
                           touchpoint__in=visible)


def _scope_attendance(queryset, user, roles: policy.Roles):
    queryset = queryset.filter(touchpoint__cohort__organization_id=roles.organization_id)
    if roles.is_hr_admin or roles.is_analyst:
        return queryset
    return queryset.filter(Q(user=user) | Q(touchpoint__cohort_id__in=list(roles.facilitated_cohort_ids)))


policy.register_scope(Touchpoint, _scope_touchpoints)
policy.register_scope(Rsvp, _scope_rsvps)
policy.register_scope(Attendance, _scope_attendance)

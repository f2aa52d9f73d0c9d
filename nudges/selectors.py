"""Reads of the nudges app for the portal, the API and the admin, scoped by the
policy module and loaded with what the caller renders (a fixed number of queries)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db.models import Min, QuerySet
from django.http import Http404

from cohorts.models import Cohort, CohortMembership, User
from core import policy

from . import triggers
from .models import (
    Channel,
    LearnerDeliverySettings,
    Message,
    MessageState,
    NudgeRule,
    Topic,
    TopicPreference,
)

APPROVALS_PER_PAGE = 50
LOG_PER_PAGE = 50
PREVIEW_LEARNERS = 200


def _pk(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# --- preferences -----------------------------------------------------------------------


@dataclass
class PreferenceRow:
    topic: str
    label: str
    channels: list[tuple[str, str, bool]]  # (channel, label, on)


@dataclass
class Preferences:
    rows: list[PreferenceRow]
    quiet_start: int | None
    quiet_end: int | None

    def switches(self) -> dict[tuple[str, str], bool]:
        return {(row.topic, channel): on for row in self.rows for channel, _, on in row.channels}


def preferences_of(user: User) -> Preferences:
    """Every topic x channel with its switch (no row: on) and the person's quiet hours."""
    off = {(t, c): on for t, c, on in TopicPreference.objects.filter(user=user)
           .values_list("topic", "channel", "enabled")}
    rows = [PreferenceRow(topic=topic, label=label,
                          channels=[(channel, channel_label, off.get((topic, channel), True))
                                    for channel, channel_label in Channel.choices])
            for topic, label in Topic.choices]
    quiet = LearnerDeliverySettings.objects.filter(user=user).first()
    return Preferences(rows=rows, quiet_start=quiet.quiet_start if quiet else None,
                       quiet_end=quiet.quiet_end if quiet else None)


# --- who may see what ------------------------------------------------------------------


def may_approve(user: User) -> bool:
    """Facilitators and HR admins have an approval queue."""
    roles = policy.roles(user)
    return policy.is_operator(user) or roles.is_hr_admin or roles.is_facilitator


def may_read_log(user: User) -> bool:
    """Facilitators (their cohorts), HR admins and analysts (the organisation) read the log."""
    roles = policy.roles(user)
    return policy.is_operator(user) or roles.is_hr_admin or roles.is_analyst or roles.is_facilitator


def approval_cohorts(user: User) -> QuerySet[Cohort]:
    """The cohorts whose proposed nudges `user` decides on."""
    roles = policy.roles(user)
    cohorts = Cohort.objects.filter(organization_id=roles.organization_id)
    if not roles.is_hr_admin:
        cohorts = cohorts.filter(pk__in=list(roles.facilitated_cohort_ids))
    return cohorts.order_by("name", "pk")


def log_cohorts(user: User) -> QuerySet[Cohort]:
    roles = policy.roles(user)
    cohorts = Cohort.objects.filter(organization_id=roles.organization_id)
    if not (roles.is_hr_admin or roles.is_analyst):
        cohorts = cohorts.filter(pk__in=list(roles.facilitated_cohort_ids))
    return cohorts.order_by("name", "pk")


def rule_cohorts(user: User) -> QuerySet[Cohort]:
    """The cohorts `user` may aim a new rule at."""
    return approval_cohorts(user)


# --- the approval queue ----------------------------------------------------------------


@dataclass
class Proposal:
    """One proposed nudge: every channel of one group."""

    group: str
    messages: list[Message] = field(default_factory=list)

    @property
    def first(self) -> Message:
        return self.messages[0]

    @property
    def channels(self) -> list[str]:
        return [m.get_channel_display() for m in self.messages]


def proposals(user: User, *, cohort: Cohort | None = None) -> QuerySet[Message]:
    """Proposed messages of the cohorts `user` approves for (one cohort, if given)."""
    queryset = Message.objects.filter(state=MessageState.PROPOSED, cohort__in=approval_cohorts(user))
    if cohort is not None:
        queryset = queryset.filter(cohort=cohort)
    return queryset


def proposals_page(user: User, *, cohort: Cohort | None = None, page=1,
                   per_page: int = APPROVALS_PER_PAGE) -> tuple[Page, list[Proposal]]:
    """A page of proposed nudges, oldest first, one per group, with learner, rule and cohort."""
    groups = (proposals(user, cohort=cohort).values("group").annotate(first=Min("created_at"))
              .order_by("first", "group"))
    paged = Paginator(groups, per_page).get_page(page)
    names = [row["group"] for row in paged.object_list]
    by_group = {name: Proposal(group=name) for name in names}
    for message in (proposals(user, cohort=cohort).filter(group__in=names)
                    .select_related("user", "rule", "cohort").order_by("group", "channel")):
        by_group[message.group].messages.append(message)
    return paged, [p for p in by_group.values() if p.messages]


def approval_cohort_get(user: User, pk) -> Cohort | None:
    pk = _pk(pk)
    return approval_cohorts(user).filter(pk=pk).first() if pk else None


# --- the delivery log ------------------------------------------------------------------


@dataclass
class LogFilters:
    state: str = ""
    topic: str = ""
    channel: str = ""
    cohort: int | None = None

    @classmethod
    def read(cls, data) -> LogFilters:
        state = data.get("state", "")
        topic = data.get("topic", "")
        channel = data.get("channel", "")
        return cls(state=state if state in MessageState.values else "",
                   topic=topic if topic in Topic.values else "",
                   channel=channel if channel in Channel.values else "",
                   cohort=_pk(data.get("cohort")))


def delivery_log(user: User, filters: LogFilters | None = None) -> QuerySet[Message]:
    """The messages `user` may read in the log: facilitators their cohorts', HR admins and
    analysts the organisation's (people without those roles: none)."""
    if not may_read_log(user):
        return Message.objects.none()
    roles = policy.roles(user)
    queryset = policy.scope(user, Message.objects.all())
    if not (roles.is_hr_admin or roles.is_analyst or policy.is_operator(user)):
        queryset = queryset.filter(cohort_id__in=list(roles.facilitated_cohort_ids))
    filters = filters or LogFilters()
    if filters.state:
        queryset = queryset.filter(state=filters.state)
    if filters.topic:
        queryset = queryset.filter(topic=filters.topic)
    if filters.channel:
        queryset = queryset.filter(channel=filters.channel)
    if filters.cohort:
        queryset = queryset.filter(cohort_id=filters.cohort)
    return queryset.select_related("user", "cohort", "rule", "sender").order_by("-created_at", "-pk")


def delivery_log_page(user: User, filters: LogFilters, page=1, per_page: int = LOG_PER_PAGE) -> Page:
    return Paginator(delivery_log(user, filters), per_page).get_page(page)


# --- rules -----------------------------------------------------------------------------


def rules(user: User) -> QuerySet[NudgeRule]:
    """The rules `user` may read: facilitators their cohorts' and the organisation-wide ones."""
    return policy.scope(user, NudgeRule.objects.all()).select_related("cohort", "squad").order_by(
        "cohort__name", "name", "pk")


def rule_get(user: User, pk) -> NudgeRule:
    rule = rules(user).filter(pk=_pk(pk) or 0).select_related("organization").first()
    if rule is None:
        raise Http404("No such rule.")
    return rule


def _previewable(rule: NudgeRule, viewer: User) -> QuerySet:
    """The rule's audience within the cohorts `viewer` oversees: an organisation-wide rule
    previewed by a facilitator shows only their own cohorts' people."""
    return triggers.audience(rule).filter(cohort__in=log_cohorts(viewer)).values("user_id")


def rule_learners(rule: NudgeRule, viewer: User, limit: int = PREVIEW_LEARNERS) -> list[User]:
    """Real people of the rule's audience to preview it for, by name."""
    return list(User.objects.filter(pk__in=_previewable(rule, viewer)).order_by("full_name", "email")[:limit])


def rule_learner_get(rule: NudgeRule, viewer: User, pk) -> User | None:
    pk = _pk(pk)
    if pk is None:
        return None
    return User.objects.filter(pk=pk, pk__in=_previewable(rule, viewer)).first()


# --- peer reminders --------------------------------------------------------------------


def remind_cohorts(user: User) -> QuerySet[Cohort]:
    """The cohorts where `user` may remind a peer: those they are a member of."""
    roles = policy.roles(user)
    if roles.organization_id is None:
        return Cohort.objects.none()
    return Cohort.objects.filter(pk__in=list(roles.cohort_roles),
                                 organization_id=roles.organization_id).order_by("name", "pk")


def remind_recipients(user: User, cohort: Cohort | None) -> QuerySet[User]:
    """The other active members of `cohort` (of all of the user's cohorts before one is chosen)."""
    cohorts = remind_cohorts(user)
    if cohort is not None:
        cohorts = cohorts.filter(pk=cohort.pk)
    members = CohortMembership.objects.filter(cohort__in=cohorts).values("user_id")
    return (User.objects.filter(pk__in=members, is_active=True).exclude(pk=user.pk)
            .order_by("full_name", "email"))

"""The discussions app's part of the policy: who may run prompts and post in
threads, and which prompts, threads and posts each person sees. Registered into
core.policy, the one place that decides access."""

from django.db.models import Q

from cohorts.models import CohortRole
from core import policy

from .models import Endorsement, FeedItem, Flag, MicroTaskCompletion, Post, Prompt, Thread

policy.register_tenant(Prompt, lambda prompt: prompt.cohort.organization_id)
policy.register_tenant(Thread, lambda thread: thread.prompt.cohort.organization_id)
policy.register_tenant(Post, lambda post: post.thread.prompt.cohort.organization_id)
policy.register_tenant(Flag, lambda flag: flag.post.thread.prompt.cohort.organization_id)


@policy.rule("prompt.manage")
def _runs_prompts(user, roles: policy.Roles, cohort) -> bool:
    """Facilitators of the cohort and HR admins write and publish prompts."""
    return roles.is_hr_admin or (cohort is not None and cohort.pk in roles.facilitated_cohort_ids)


@policy.rule("thread.post")
def _posts_in_thread(user, roles: policy.Roles, thread) -> bool:
    """Members of the thread's squad post there; facilitators and experts of the
    cohort post in every squad's thread."""
    if thread is None:
        return False
    cohort_id = thread.prompt.cohort_id
    role = roles.cohort_roles.get(cohort_id)
    if role in (CohortRole.FACILITATOR, CohortRole.EXPERT):
        return True
    if role is None:
        return False
    if thread.squad_id is None:
        return True
    return roles.cohort_squads.get(cohort_id) == thread.squad_id



@policy.rule("post.change")
def _writes_own_post(user, roles: policy.Roles, post) -> bool:
    """Authors edit and delete their own posts (post_edit and post_delete say so again)."""
    return post is not None and post.author_id == user.pk


@policy.rule("post.react")
def _reacts_to_post(user, roles: policy.Roles, post) -> bool:
    """Cohort members endorse, nominate and flag the posts they can read."""
    return post is not None and post.thread.prompt.cohort_id in roles.cohort_roles


@policy.rule("thread.react")
def _reacts_in_thread(user, roles: policy.Roles, thread) -> bool:
    """post.react for every post of a thread at once (asked once per thread page)."""
    return thread is not None and thread.prompt.cohort_id in roles.cohort_roles


@policy.rule("step.complete")
def _completes_step(user, roles: policy.Roles, step) -> bool:
    return step is not None and roles.cohort_roles.get(step.cohort_id) in (
        CohortRole.LEARNER, CohortRole.PEER_MENTOR)


@policy.rule("flag.resolve_low_risk")
def _learner_moderator(user, roles: policy.Roles, cohort) -> bool:
    return cohort is not None and cohort.pk in roles.moderated_cohort_ids


@policy.rule("flag.resolve")
def _resolves_flag(user, roles: policy.Roles, flag) -> bool:
    """Facilitators of the cohort and HR admins resolve any flag; the week's learner
    moderator the low-risk ones (what flag_resolve enforces)."""
    if flag is None:
        return False
    cohort = flag.post.thread.prompt.cohort
    return _runs_prompts(user, roles, cohort) or (flag.low_risk and _learner_moderator(user, roles, cohort))


@policy.rule("moderation.queue")
def _works_the_queue(user, roles: policy.Roles, obj) -> bool:
    return roles.is_hr_admin or roles.is_facilitator or bool(roles.moderated_cohort_ids)


def _scope_prompts(qs, user, roles):
    qs = qs.filter(cohort__organization_id=roles.organization_id)
    if roles.is_hr_admin or roles.is_analyst:
        return qs
    # Learners see published prompts of their cohorts; facilitators their drafts too.
    return qs.filter(Q(cohort_id__in=list(roles.facilitated_cohort_ids))
                     | Q(cohort_id__in=list(roles.cohort_roles), state="published"))


def _scope_through_cohort(cohort_path: str):
    """The scope of a model whose rows belong to a cohort reached by `cohort_path`
    ("prompt__cohort" for a thread): HR admins and analysts see the organisation's
    rows, everyone else those of the cohorts they belong to."""
    in_organization = f"{cohort_path}__organization_id"
    in_cohorts = f"{cohort_path}_id__in"

    def scope(qs, user, roles):
        qs = qs.filter(**{in_organization: roles.organization_id})
        if roles.is_hr_admin or roles.is_analyst:
            return qs
        return qs.filter(**{in_cohorts: list(roles.cohort_roles)})

    return scope


def _scope_flags(qs, user, roles):
    """Facilitators see their cohorts' flags, learner moderators the low-risk ones,
    everyone the flags they raised."""
    from .models import LOW_RISK_REASONS

    qs = qs.filter(post__thread__prompt__cohort__organization_id=roles.organization_id)
    if roles.is_hr_admin:
        return qs
    return qs.filter(Q(reporter=user)
                     | Q(post__thread__prompt__cohort_id__in=list(roles.facilitated_cohort_ids))
                     | Q(post__thread__prompt__cohort_id__in=list(roles.moderated_cohort_ids),
                         reason__in=list(LOW_RISK_REASONS)))


policy.register_scope(Prompt, _scope_prompts)
policy.register_scope(Thread, _scope_through_cohort("prompt__cohort"))
policy.register_scope(Post, _scope_through_cohort("thread__prompt__cohort"))
policy.register_scope(Endorsement, _scope_through_cohort("post__thread__prompt__cohort"))
policy.register_scope(Flag, _scope_flags)
policy.register_scope(FeedItem, _scope_through_cohort("cohort"))
policy.register_scope(MicroTaskCompletion, _scope_through_cohort("step__cohort"))

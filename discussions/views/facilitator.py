"""Facilitator pages: prompts, role swaps, Top Take picks, the moderation queue.

Thin: selectors (facilitator_selectors, moderation_queue) read, services write.
A person who can see an object but may not act on it gets a 403; an object
they cannot see (another organisation's, another cohort's) is a 404.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import Counter

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from cohorts import selectors as cohort_selectors
from cohorts.models import CohortMembership
from core import errors, policy
from core.markdown import render_markdown
from core.portal import apply_errors, first_error, next_url, require

from .. import facilitator_selectors as selectors
from .. import moderation_queue, services
from ..facilitator_forms import (
    AuthorMessageForm,
    FlagResolveForm,
    ModeratorForm,
    PromptForm,
    RoleFormSet,
    SwapForm,
    TopTakeForm,
    posted_role_rows,
    role_rows,
    step_initial,
)
from ..models import Flag, PromptState

QUEUE_PAGE_SIZE = 20


def _managed_cohort(request, pk: int):
    cohort = cohort_selectors.cohort_get(request.user, pk)
    require(request.user, "prompt.manage", cohort)
    return cohort


def _form_page(request, form, *, perform, confirmation, default: str, template: str, context: dict):
    """A one-form action page: GET shows the form; a valid POST runs `perform(cleaned_data)`,
    then goes to `next` (else `default`) with `confirmation()` as the message, or shows the
    service's errors on the form, keeping what was typed.

    `confirmation` is called only after the service ran, so it can name the outcome
    (a resolved flag's message says how it was resolved)."""
    if request.method == "POST" and form.is_valid():
        try:
            perform(form.cleaned_data)
        except errors.PermissionDenied as exc:
            raise PermissionDenied from exc
        except errors.ApplicationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, confirmation())
            return redirect(next_url(request, default))
    return render(request, template, {**context, "form": form, "next": next_url(request, default)})


# --- prompts ---------------------------------------------------------------------


@login_required
def prompt_list(request, cohort_pk: int):
    cohort = _managed_cohort(request, cohort_pk)
    return render(request, "discussions/facilitator/prompt_list.html", {
        "cohort": cohort,
        "prompts": selectors.cohort_prompts(request.user, cohort),
        "steps": list(selectors.prompt_steps(cohort)),
    })


def _default_due(cohort) -> dt.datetime:
    """A week from today, 17:00 in the cohort's timezone."""
    tz = zoneinfo.ZoneInfo(cohort.timezone)
    day = timezone.now().astimezone(tz).date() + dt.timedelta(days=7)
    return dt.datetime.combine(day, dt.time(17, 0), tzinfo=tz)


def _apply_prompt_errors(form, formset, rows, exc: errors.ApplicationError) -> None:
    """Service errors on the prompt ("title") or a role ("roles.2.max_words") go to their field."""
    rest = {}
    for key, messages_ in exc.errors.items():
        parts = key.split(".")
        if len(parts) == 3 and parts[0] == "roles" and parts[1].isdigit() and int(parts[1]) < len(rows):
            role_form = formset.forms[rows[int(parts[1])][0]]
            for message in messages_:
                role_form.add_error(parts[2] if parts[2] in role_form.fields else None, message)
        else:
            rest[key] = messages_
    if rest or not exc.errors:
        apply_errors(form, errors.ApplicationError(exc.message, errors=rest))


@login_required
@require_http_methods(["GET", "POST"])
def prompt_create(request, cohort_pk: int):
    """Write a prompt with its roles; "Add a role" re-shows the form with one more row, no JS needed."""
    cohort = _managed_cohort(request, cohort_pk)
    step = selectors.prompt_step(cohort, request.POST.get("step") or request.GET.get("step"))
    if request.method == "POST" and "add_role" in request.POST:
        typed = {name: request.POST.get(name, "") for name in ("title", "body", "due_at", "minutes", "step")}
        form = PromptForm(cohort=cohort, initial=typed)
        formset = RoleFormSet(prefix="roles", initial=posted_role_rows(request.POST))
    elif request.method == "POST":
        form = PromptForm(request.POST, cohort=cohort)
        formset = RoleFormSet(request.POST, prefix="roles")
        if form.is_valid() and formset.is_valid():
            rows = role_rows(formset)
            if not rows:
                form.add_error(None, "A prompt needs at least one role.")
            else:
                data = form.cleaned_data
                try:
                    prompt = services.prompt_create(
                        actor=request.user, cohort=cohort, title=data["title"], body=data["body"],
                        due_at=data["due_at"], minutes=data["minutes"], roles=[spec for _, spec in rows],
                        step=step)
                except errors.PermissionDenied as exc:
                    raise PermissionDenied from exc
                except errors.ApplicationError as exc:
                    _apply_prompt_errors(form, formset, rows, exc)
                else:
                    messages.success(request, f"\u201c{prompt.title}\u201d is saved as a draft. Publish it "
                                              "when you are ready; squads get their roles then.")
                    return redirect("discussions:prompt_manage", pk=prompt.pk)
    else:
        initial = step_initial(step, cohort) if step else {"due_at": _default_due(cohort)}
        form = PromptForm(cohort=cohort, initial=initial)
        formset = RoleFormSet(prefix="roles", initial=services.DEFAULT_ROLES)
    return render(request, "discussions/facilitator/prompt_form.html", {
        "cohort": cohort, "form": form, "formset": formset, "step": step,
    })


def _managed_prompt(request, pk: int):
    prompt = selectors.prompt_get(request.user, pk)
    require(request.user, "prompt.manage", prompt.cohort)
    return prompt


@login_required
def prompt_manage(request, pk: int):
    """A draft's preview, or a published prompt's threads squad by squad: who holds
    which role, which deliverables are done."""
    prompt = _managed_prompt(request, pk)
    overview = selectors.prompt_overview(prompt)
    return render(request, "discussions/facilitator/prompt_manage.html", {
        "prompt": prompt, "cohort": prompt.cohort, "overview": overview,
        "published": prompt.state == PromptState.PUBLISHED, "body_html": render_markdown(prompt.body),
    })


@login_required
@require_http_methods(["GET", "POST"])
def prompt_publish(request, pk: int):
    prompt = _managed_prompt(request, pk)
    if prompt.state == PromptState.PUBLISHED:
        messages.info(request, "This prompt is already published.")
        return redirect("discussions:prompt_manage", pk=prompt.pk)
    if request.method == "POST":
        try:
            threads = services.prompt_publish(actor=request.user, prompt=prompt)
        except errors.PermissionDenied as exc:
            raise PermissionDenied from exc
        except errors.ApplicationError as exc:
            messages.error(request, first_error(exc))
        else:
            messages.success(request, f"\u201c{prompt.title}\u201d is published: {len(threads)} "
                                      f"thread{'s' if len(threads) != 1 else ''} opened, roles handed out.")
        return redirect("discussions:prompt_manage", pk=prompt.pk)
    squads = list(prompt.cohort.squads.all())
    return render(request, "discussions/facilitator/prompt_publish.html", {
        "prompt": prompt, "cohort": prompt.cohort, "squads": squads,
        "roles": list(prompt.roles.all()),
    })


@login_required
@require_http_methods(["GET", "POST"])
def roles_swap(request, pk: int):
    thread = selectors.thread_get(request.user, pk)
    require(request.user, "prompt.manage", thread.prompt.cohort)
    members = selectors.thread_members(thread)
    form = SwapForm(request.POST or None, members=members)
    if request.method == "POST" and form.is_valid():
        first, second = form.cleaned_data["first"], form.cleaned_data["second"]
        try:
            services.roles_swap(actor=request.user, thread=thread, first_user_id=first, second_user_id=second)
        except errors.PermissionDenied as exc:
            raise PermissionDenied from exc
        except errors.ApplicationError as exc:
            apply_errors(form, exc)
        else:
            names = {a.user_id: a.user.display_name for a in members}
            messages.success(request, f"{names[first]} and {names[second]} swapped roles.")
            manage = reverse("discussions:prompt_manage", args=[thread.prompt_id])
            return redirect(f"{manage}#thread-{thread.pk}")
    return render(request, "discussions/facilitator/roles_swap.html", {
        "thread": thread, "prompt": thread.prompt, "members": members, "form": form,
    })


# --- posts: Top Take, hide / restore, message the author ----------------------------


def _managed_post(request, pk: int):
    post = selectors.post_get(request.user, pk)
    require(request.user, "prompt.manage", post.thread.prompt.cohort)
    return post


def _post_url(post) -> str:
    return f"{reverse('discussions:thread', args=[post.thread_id])}#post-{post.pk}"


@login_required
@require_http_methods(["GET", "POST"])
def top_take_select(request, pk: int):
    post = _managed_post(request, pk)
    return _form_page(
        request, TopTakeForm(request.POST or None),
        perform=lambda data: services.top_take_select(actor=request.user, post=post, reason=data["reason"]),
        confirmation=lambda: f"{post.author.display_name}'s post is a Top Take.",
        default=_post_url(post), template="discussions/facilitator/top_take.html", context={"post": post},
    )


def _after_moderation(request, message: str, default: str):
    """htmx from the queue: the item again (or a note that it left the queue); otherwise a redirect."""
    key = request.POST.get("item", "")
    if request.htmx and key:
        item = moderation_queue.queue_item(request.user, key)
        return render(request, "discussions/facilitator/queue_item.html", {
            "item": item, "item_key": key, "done": message, "next": reverse("discussions:moderation"),
        })
    messages.success(request, message)
    return redirect(next_url(request, default))


@login_required
@require_POST
def post_hide(request, pk: int):
    post = _managed_post(request, pk)
    services.post_hide(actor=request.user, post=post)
    return _after_moderation(request, f"{post.author.display_name}'s post is hidden from learners.",
                             _post_url(post))


@login_required
@require_POST
def post_restore(request, pk: int):
    post = _managed_post(request, pk)
    services.post_restore(actor=request.user, post=post)
    return _after_moderation(request, f"{post.author.display_name}'s post is shown again.", _post_url(post))


@login_required
@require_http_methods(["GET", "POST"])
def author_message(request, pk: int):
    post = _managed_post(request, pk)
    return _form_page(
        request, AuthorMessageForm(request.POST or None),
        perform=lambda data: services.author_message(actor=request.user, post=post, text=data["text"]),
        confirmation=lambda: f"Your message to {post.author.display_name} is sent.",
        default=_post_url(post), template="discussions/facilitator/author_message.html",
        context={"post": post},
    )


# --- threads and flags ----------------------------------------------------------------


@login_required
@require_POST
def thread_lock(request, pk: int):
    thread = selectors.thread_get(request.user, pk)
    require(request.user, "prompt.manage", thread.prompt.cohort)
    locked = request.POST.get("locked", "1") != "0"
    services.thread_lock(actor=request.user, thread=thread, locked=locked)
    return _after_moderation(
        request, "The thread is locked: it takes no new posts." if locked else "The thread is open again.",
        reverse("discussions:thread", args=[thread.pk]))


def _resolvable_flag(request, pk: int) -> Flag:
    flag = selectors.flag_get(request.user, pk)
    cohort = flag.post.thread.prompt.cohort
    if not (policy.allows(request.user, "prompt.manage", cohort)
            or (flag.low_risk and policy.allows(request.user, "flag.resolve_low_risk", cohort))):
        raise PermissionDenied
    return flag


@login_required
@require_http_methods(["GET", "POST"])
def flag_resolve(request, pk: int):
    flag = _resolvable_flag(request, pk)
    return _form_page(
        request, FlagResolveForm(request.POST or None),
        perform=lambda data: services.flag_resolve(actor=request.user, flag=flag, outcome=data["outcome"],
                                                   note=data["note"]),
        confirmation=lambda: f"The flag is resolved: {flag.get_outcome_display().lower()}.",
        default=reverse("discussions:moderation"), template="discussions/facilitator/flag_resolve.html",
        context={"flag": flag, "post": flag.post},
    )


# --- the queue ------------------------------------------------------------------------


@login_required
def moderation(request):
    require(request.user, "moderation.queue")
    items = moderation_queue.queue_for(request.user)
    page = Paginator(items, QUEUE_PAGE_SIZE).get_page(request.GET.get("page", 1))
    counts = Counter(item.reason for item in items)
    return render(request, "discussions/facilitator/moderation.html", {
        "page": page,
        "total": len(items),
        "counts": [(label, counts[reason]) for reason, label in moderation_queue.REASON_LABELS.items()
                   if counts[reason]],
        "pickers": selectors.moderator_pickers(request.user),
        "next": request.get_full_path(),
        "outcomes": FlagResolveForm.base_fields["outcome"].choices,
    })


@login_required
@require_POST
def moderator_set(request, cohort_pk: int):
    cohort = _managed_cohort(request, cohort_pk)
    form = ModeratorForm(request.POST)
    default = f"{reverse('discussions:moderation')}#moderators"
    if not form.is_valid():
        messages.error(request, "Choose a learner of the cohort.")
        return redirect(default)
    membership = get_object_or_404(CohortMembership.objects.select_related("user", "cohort__organization"),
                                   pk=form.cleaned_data["membership"], cohort=cohort)
    try:
        services.moderator_set(actor=request.user, membership=membership)
    except errors.PermissionDenied as exc:
        raise PermissionDenied from exc
    except errors.ApplicationError as exc:
        messages.error(request, first_error(exc))
    else:
        messages.success(request, f"{membership.user.display_name} moderates {cohort.name} this week.")
    return redirect(next_url(request, default))


urlpatterns = [
    path("facilitate/cohorts/<int:cohort_pk>/prompts/", prompt_list, name="prompt_list"),
    path("facilitate/cohorts/<int:cohort_pk>/prompts/new/", prompt_create, name="prompt_create"),
    path("facilitate/prompts/<int:pk>/", prompt_manage, name="prompt_manage"),
    path("facilitate/prompts/<int:pk>/publish/", prompt_publish, name="prompt_publish"),
    path("facilitate/threads/<int:pk>/swap/", roles_swap, name="roles_swap"),
    path("facilitate/threads/<int:pk>/lock/", thread_lock, name="thread_lock"),
    path("facilitate/posts/<int:pk>/top-take/", top_take_select, name="top_take_select"),
    path("facilitate/posts/<int:pk>/hide/", post_hide, name="post_hide"),
    path("facilitate/posts/<int:pk>/restore/", post_restore, name="post_restore"),
    path("facilitate/posts/<int:pk>/message/", author_message, name="author_message"),
    path("facilitate/flags/<int:pk>/resolve/", flag_resolve, name="flag_resolve"),
    path("facilitate/moderation/", moderation, name="moderation"),
    path("facilitate/moderation/cohorts/<int:cohort_pk>/moderator/", moderator_set, name="moderator_set"),
]

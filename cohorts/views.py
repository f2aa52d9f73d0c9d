"""Portal pages for learners and facilitators. Thin: selectors read, services write."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from core import policy
from core import services as core_services
from core.errors import ApplicationError
from core.models import ApiToken
from core.portal import apply_errors, require
from discussions import selectors as discussion_selectors

from . import selectors, services
from .forms import ApiTokenForm, CohortCreateForm, MemberAddForm, ProfileForm, SquadForm
from .models import CohortMembership, CohortState, Organization, Squad, User
from .templatetags.roster import squad_options


@login_required
def home(request):
    return redirect("portal:this_week")


@login_required
def this_week(request):
    cohort_id = request.GET.get("cohort")
    cohort = selectors.active_cohort_for(
        request.user, int(cohort_id) if cohort_id and cohort_id.isdigit() else None
    )
    if cohort is None:
        return render(request, "cohorts/this_week_empty.html", {})
    week = selectors.this_week(request.user, cohort)
    discussions = discussion_selectors.week_discussions(
        request.user, cohort, membership=week.membership, week_start=week.week_start,
        week_end=week.week_end, steps=week.steps,
    )
    return render(request, "cohorts/this_week.html", {
        "week": week, "cohort": cohort, "discussions": discussions,
    })


@login_required
def cohort_detail(request, pk: int):
    cohort, squads, unplaced = selectors.cohort_detail(request.user, pk)
    members = [m for squad in squads for m in squad.members] + unplaced
    return render(request, "cohorts/cohort_detail.html", {
        "cohort": cohort,
        "squads": squads,
        "unplaced": [m for m in unplaced if m.role in ("learner", "peer_mentor")],
        "staff": [m for m in members if m.role in ("facilitator", "expert")],
        "can_manage": policy.allows(request.user, "cohort.manage", cohort),
        "top_takes": discussion_selectors.top_takes(request.user, cohort),
    })


@login_required
@require_http_methods(["GET", "POST"])
def profile(request):
    user, memberships = selectors.profile(request.user)
    form = ProfileForm(request.POST or None, initial={
        "full_name": user.full_name, "title": user.title, "department": user.department,
        "timezone": user.timezone, "locale": user.locale,
    })
    if request.method == "POST" and form.is_valid():
        try:
            services.user_update(actor=request.user, user=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "Your profile is saved.")
            return redirect("portal:profile")
    return render(request, "cohorts/profile.html", {
        "profile_user": user, "memberships": memberships, "form": form,
    })


# --- facilitators ----------------------------------------------------------------


@login_required
def facilitate(request):
    require(request.user, "facilitation.dashboard")
    cohorts = list(selectors.facilitated_cohorts(request.user))
    return render(request, "cohorts/facilitate.html", {
        "cohorts": cohorts,
        "can_create": policy.allows(request.user, "cohort.create"),
    })


def _organization(user) -> Organization:
    organization = policy.scope(user, Organization.objects.all()).first()
    if organization is None:
        raise Http404("You do not belong to an organisation.")
    return organization


@login_required
@require_http_methods(["GET", "POST"])
def cohort_create(request):
    require(request.user, "cohort.create")
    organization = _organization(request.user)
    templates = selectors.templates_visible(request.user)
    form = CohortCreateForm(request.POST or None, templates=templates,
                            initial={"timezone": organization.default_timezone})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            cohort = services.cohort_create(
                actor=request.user, organization=organization, name=data["name"],
                start_date=data["start_date"], end_date=data["end_date"],
                timezone=data["timezone"], description=data["description"],
                template=data["template"],
                state=CohortState.ACTIVE if data["activate"] else CohortState.DRAFT,
            )
        except ApplicationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"{cohort.name} is created. Add its members next.")
            return redirect("portal:cohort_manage", pk=cohort.pk)
    return render(request, "cohorts/cohort_create.html", {"form": form, "templates": templates})


def _managed_cohort(request, pk: int):
    cohort = selectors.cohort_get(request.user, pk)
    require(request.user, "cohort.manage", cohort)
    return cohort


@login_required
@require_http_methods(["GET", "POST"])
def cohort_manage(request, pk: int):
    cohort = _managed_cohort(request, pk)
    query, squad_filter = request.GET.get("q", "").strip(), request.GET.get("squad", "")
    members, squads = selectors.cohort_roster(request.user, cohort, query=query,
                                              squad=squad_filter, page=request.GET.get("page", 1))
    add_form = MemberAddForm(squads=squads, prefix="add")
    squad_form = SquadForm(prefix="squad")
    if request.method == "POST" and "add-email" in request.POST:
        add_form = MemberAddForm(request.POST, squads=squads, prefix="add")
        if add_form.is_valid():
            data = add_form.cleaned_data
            person = policy.scope(request.user, User.objects.filter(
                email__iexact=data["email"], is_active=True)).first()
            if person is None:
                add_form.add_error("email", "Nobody in your organisation has this email address.")
            else:
                try:
                    services.membership_add(
                        actor=request.user, cohort=cohort, user=person, role=data["role"],
                        squad=next((s for s in squads if s.pk == data["squad"]), None),
                    )
                except ApplicationError as exc:
                    apply_errors(add_form, exc)
                else:
                    messages.success(request, f"{person.display_name} joined {cohort.name}.")
                    return redirect("portal:cohort_manage", pk=cohort.pk)
    elif request.method == "POST" and "squad-name" in request.POST:
        squad_form = SquadForm(request.POST, prefix="squad")
        if squad_form.is_valid():
            try:
                squad = services.squad_create(actor=request.user, cohort=cohort,
                                              name=squad_form.cleaned_data["name"])
            except ApplicationError as exc:
                apply_errors(squad_form, exc)
            else:
                messages.success(request, f"Squad {squad.name} is created.")
                return redirect("portal:cohort_manage", pk=cohort.pk)
    return render(request, "cohorts/cohort_manage.html", {
        "cohort": cohort, "members": members, "squads": squads, "query": query,
        "squad_filter": squad_filter, "squad_options": squad_options(squads),
        "add_form": add_form, "squad_form": squad_form,
        "role_choices": CohortMembership._meta.get_field("role").choices,
    })


@login_required
@require_POST
def membership_change(request, pk: int, membership_pk: int):
    """Move a member to another squad or change their role (htmx swaps the row)."""
    cohort = _managed_cohort(request, pk)
    membership = get_object_or_404(
        CohortMembership.objects.select_related("user", "squad", "cohort"),
        pk=membership_pk, cohort=cohort,
    )
    squads = list(Squad.objects.filter(cohort=cohort))
    error = None
    kwargs = {}
    if "squad" in request.POST:
        raw = request.POST["squad"]
        squad = next((s for s in squads if str(s.pk) == raw), None)
        if raw and squad is None:
            error = "Choose one of this cohort's squads."
        kwargs["squad"] = squad
    if request.POST.get("role"):
        kwargs["role"] = request.POST["role"]
    if error is None and kwargs:
        try:
            membership = services.membership_update(actor=request.user, membership=membership,
                                                    **kwargs)
        except ApplicationError as exc:
            error = "; ".join(m for msgs in exc.errors.values() for m in msgs) or exc.message
            membership.refresh_from_db()
    if request.htmx:
        return render(request, "cohorts/partials/member_row.html", {
            "cohort": cohort, "m": membership, "squad_options": squad_options(squads),
            "row_error": error,
            "saved": error is None,
            "role_choices": CohortMembership._meta.get_field("role").choices,
        })
    if error:
        messages.error(request, error)
    else:
        messages.success(request, f"{membership.user.display_name} is updated.")
    return redirect("portal:cohort_manage", pk=cohort.pk)


@login_required
@require_POST
def membership_remove(request, pk: int, membership_pk: int):
    cohort = _managed_cohort(request, pk)
    membership = get_object_or_404(CohortMembership.objects.select_related("user", "cohort"),
                                   pk=membership_pk, cohort=cohort)
    services.membership_remove(actor=request.user, membership=membership)
    messages.success(request, f"{membership.user.display_name} left {cohort.name}.")
    return redirect("portal:cohort_manage", pk=cohort.pk)


@login_required
@require_POST
def squads_auto_arrange(request, pk: int):
    cohort = _managed_cohort(request, pk)
    raw = request.POST.get("squad_size", "5")
    try:
        result = services.squads_auto_arrange(actor=request.user, cohort=cohort,
                                              squad_size=int(raw) if raw.isdigit() else 0)
    except ApplicationError as exc:
        messages.error(request, "; ".join(m for msgs in exc.errors.values() for m in msgs) or exc.message)
    else:
        if result["placed"]:
            messages.success(request, f"Placed {result['placed']} member(s) in squads"
                             + (f", opening {result['squads_created']} new squad(s)."
                                if result["squads_created"] else "."))
        else:
            messages.info(request, "Everyone is already in a squad.")
    return redirect("portal:cohort_manage", pk=cohort.pk)


@login_required
@require_POST
def squad_delete(request, pk: int, squad_pk: int):
    cohort = _managed_cohort(request, pk)
    squad = get_object_or_404(Squad.objects.select_related("cohort__organization"),
                              pk=squad_pk, cohort=cohort)
    services.squad_delete(actor=request.user, squad=squad)
    messages.success(request, f"Squad {squad.name} is deleted; its members have no squad now.")
    return redirect("portal:cohort_manage", pk=cohort.pk)


# --- API tokens ------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def api_tokens(request):
    form = ApiTokenForm(request.POST or None)
    new_key = None
    if request.method == "POST" and form.is_valid():
        try:
            _token, new_key = core_services.api_token_create(
                actor=request.user, name=form.cleaned_data["name"])
        except ApplicationError as exc:
            apply_errors(form, exc)
        else:
            form = ApiTokenForm()
    tokens = policy.scope(request.user, ApiToken.objects.all())
    return render(request, "cohorts/api_tokens.html", {
        "form": form, "tokens": tokens, "new_key": new_key,
        "api_root": request.build_absolute_uri(reverse("api-docs")),
    })


@login_required
@require_POST
def api_token_revoke(request, token_pk: int):
    token = get_object_or_404(policy.scope(request.user, ApiToken.objects.all()), pk=token_pk)
    core_services.api_token_revoke(actor=request.user, token=token)
    messages.success(request, f"Token \"{token.name}\" is revoked.")
    return redirect("portal:api_tokens")

"""Facilitators' nudge rules in the portal: the rules of their cohorts (and, read-only,
the organisation-wide ones HR admins keep in admin), a form to make and change them,
and a live preview of the message for a real learner of the rule's audience."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core import policy
from core.portal import attempt, require

from .. import rendering, selectors, services
from ..forms import RuleForm


def _may_see_rules(user) -> None:
    if not selectors.may_read_log(user):
        raise PermissionDenied


@login_required
@require_GET
def rules(request):
    _may_see_rules(request.user)
    listed = list(selectors.rules(request.user))
    for rule in listed:
        rule.may_edit = policy.allows(request.user, "nudges.rules.manage", rule)
    return render(request, "nudges/rules.html", {
        "rules": listed, "may_create": selectors.rule_cohorts(request.user).exists(),
    })


def _editor(request, form, rule=None):
    return render(request, "nudges/rule_form.html", {
        "form": form, "rule": rule, "variables": rendering.VARIABLES,
        "learners": selectors.rule_learners(rule, request.user) if rule is not None else [],
        "may_edit": rule is None or policy.allows(request.user, "nudges.rules.manage", rule),
    })


@login_required
@require_http_methods(["GET", "POST"])
def rule_new(request):
    _may_see_rules(request.user)
    if not selectors.rule_cohorts(request.user).exists():
        raise PermissionDenied
    if request.method == "POST":
        form = RuleForm(request.POST, actor=request.user)
        if form.is_valid():
            ok, rule = attempt(form, services.rule_create, actor=request.user,
                               cohort=form.cleaned_data["cohort"], **form.values())
            if ok:
                messages.success(request, f"The rule \u201c{rule.name}\u201d is saved. "
                                          "Preview it for a learner beside the form.")
                return redirect("nudges:rule_edit", pk=rule.pk)
    else:
        initial = {"mode": "approval", "days": 7, "hours_before": 24, "send_email": True, "send_in_app": True,
                   "is_active": True, "role": "learner"}
        cohort = request.GET.get("cohort", "")
        if cohort.isdigit():
            initial["cohort"] = int(cohort)
        form = RuleForm(initial=initial, actor=request.user)
    return _editor(request, form)


@login_required
@require_http_methods(["GET", "POST"])
def rule_edit(request, pk: int):
    rule = selectors.rule_get(request.user, pk)
    if request.method == "POST":
        require(request.user, "nudges.rules.manage", rule)
        form = RuleForm(request.POST, actor=request.user, rule=rule)
        if form.is_valid():
            ok, saved = attempt(form, services.rule_update, actor=request.user, rule=rule, **form.values())
            if ok:
                messages.success(request, f"The rule \u201c{saved.name}\u201d is saved.")
                return redirect("nudges:rule_edit", pk=saved.pk)
    else:
        form = RuleForm(actor=request.user, rule=rule)
    return _editor(request, form, rule)


@login_required
@require_POST
def rule_deactivate(request, pk: int):
    rule = selectors.rule_get(request.user, pk)
    require(request.user, "nudges.rules.manage", rule)
    services.rule_update(actor=request.user, rule=rule, is_active=False)
    messages.success(request, f"The rule \u201c{rule.name}\u201d is switched off; nothing more is proposed "
                              "or sent from it.")
    return redirect("nudges:rules")


@login_required
@require_GET
def rule_preview(request, pk: int):
    """The rule's message for one learner; `subject`, `body_text` and `body_html` in the
    query preview unsaved edits (the editor sends them as the facilitator types)."""
    rule = selectors.rule_get(request.user, pk)
    learner = selectors.rule_learner_get(rule, request.user, request.GET.get("learner"))
    context = {"rule": rule, "learner": learner, "preview": None, "error": ""}
    if learner is None:
        context["error"] = "Choose a learner of the rule's audience to preview the message for."
    else:
        for name in ("subject", "body_text", "body_html"):
            if name in request.GET:
                setattr(rule, name, request.GET[name])
        problem = next((f"{label}: {error}" for label, error in (
            ("Subject", rendering.check(rule.subject)), ("Message", rendering.check(rule.body_text)),
            ("HTML version", rendering.check(rule.body_html))) if error), "")
        if problem:
            context["error"] = f"The template has an error. {problem}"
        else:
            context["preview"] = services.rule_preview(rule=rule, learner=learner)
    template = "nudges/partials/rule_preview.html" if request.htmx else "nudges/rule_preview.html"
    return render(request, template, context, status=200)

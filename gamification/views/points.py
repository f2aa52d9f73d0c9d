"""Portal pages for points: my points and history, a cohort's leaderboards, a
member's page (with the kudos they received), and the leaderboard opt-out."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from core import policy
from core.portal import next_url, require

from .. import badge_selectors, kudos_selectors, selectors, services


@login_required
def mine(request):
    cohorts = selectors.earning_cohorts(request.user)
    default = cohorts[0] if cohorts else None
    chosen = next((c for c in cohorts if str(c.pk) == request.GET.get("cohort")), default)
    summary = selectors.points_summary(request.user, chosen) if chosen else None
    return render(request, "gamification/mine.html", {
        "cohorts": cohorts, "summary": summary,
        "hidden": selectors.hides_from_leaderboards(request.user),
        "awards": badge_selectors.awards_of_learner(request.user),
    })


@login_required
def leaderboard(request, pk: int):
    cohort = selectors.cohort_for(request.user, pk)
    board = request.GET.get("board", selectors.Board.WEEK)
    if board not in selectors.Board.CHOICES:
        board = selectors.Board.WEEK
    return render(request, "gamification/leaderboard.html", {
        "board": selectors.leaderboard(request.user, cohort, board),
        "boards": selectors.Board.CHOICES,
        "may_switch": policy.allows(request.user, "cohort.manage", cohort),
    })


@login_required
@require_POST
def leaderboards_switch(request, pk: int):
    cohort = selectors.cohort_for(request.user, pk)
    require(request.user, "cohort.manage", cohort)
    enabled = request.POST.get("enabled") == "on"
    services.leaderboards_switch(actor=request.user, cohort=cohort, enabled=enabled)
    messages.success(request, f"Leaderboards are {'on' if enabled else 'off'} for {cohort.name}.")
    return redirect(reverse("gamification:leaderboard", args=[cohort.pk]))


@login_required
def member(request, pk: int):
    page = selectors.member_page(request.user, pk)
    return render(request, "gamification/member.html", {
        "page": page,
        "kudos": kudos_selectors.kudos_received(page.member, request.user),
        "may_thank": page.member.pk != request.user.pk,
        "awards": badge_selectors.awards_shown_on_member_page(request.user, pk),
    })


@login_required
@require_POST
def preferences(request):
    hide = request.POST.get("hide_from_leaderboards") == "on"
    services.points_preference_set(actor=request.user, hide_from_leaderboards=hide)
    messages.success(request, "You no longer appear on leaderboards, and they are hidden for you."
                     if hide else "You appear on your cohorts' leaderboards again.")
    return redirect(next_url(request, reverse("gamification:mine")))

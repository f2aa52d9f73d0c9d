"""A person's own switches (topic x channel) and quiet hours, and the one-click
unsubscribe page every nudge email links to (no sign-in needed)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from core.errors import ApplicationError
from core.portal import attempt

from .. import selectors, services
from ..forms import PreferencesForm
from ..models import Channel, Topic
from ..services.preferences import unsubscribe_target


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request):
    if request.method == "POST":
        form = PreferencesForm(request.POST)
        if form.is_valid():
            ok, _ = attempt(form, services.preferences_save, actor=request.user, switches=form.switches(),
                            quiet_start=form.cleaned_data["quiet_start"],
                            quiet_end=form.cleaned_data["quiet_end"])
            if ok:
                messages.success(request, "Your nudge preferences are saved.")
                return redirect("nudges:preferences")
    else:
        form = PreferencesForm(initial=PreferencesForm.initial_from(selectors.preferences_of(request.user)))
    return render(request, "nudges/preferences.html", {"form": form, "channels": Channel.choices})


def _masked(email: str) -> str:
    """j***@example.com: enough to recognise one's own address, not to harvest it."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


def _bad_link(request, error: ApplicationError):
    return render(request, "nudges/unsubscribe_invalid.html", {"message": error.message}, status=400)


@csrf_exempt  # RFC 8058: the mail client POSTs "List-Unsubscribe=One-Click" without a CSRF token
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str):
    try:
        if request.method == "POST":
            user, topic, channel = services.unsubscribe(token)
        else:
            user, topic, channel = unsubscribe_target(token)
    except ApplicationError as error:
        return _bad_link(request, error)
    context = {"token": token, "email": _masked(user.email), "topic": Topic(topic).label,
               "channel": Channel(channel).label}
    template = "nudges/unsubscribe_done.html" if request.method == "POST" else "nudges/unsubscribe.html"
    return render(request, template, context)

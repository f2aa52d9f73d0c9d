"""Learner pages: threads, posting, reactions, the cohort feed."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import path

from core import policy

from .. import selectors


@login_required
def thread(request, pk: int):
    view = selectors.thread_detail(request.user, pk, page=request.GET.get("page", 1))
    return render(request, "discussions/thread.html", {
        "view": view,
        "thread": view.thread,
        "prompt": view.thread.prompt,
        "can_post": policy.allows(request.user, "thread.post", view.thread),
        "can_moderate": policy.allows(request.user, "prompt.manage", view.thread.prompt.cohort),
    })


urlpatterns = [
    path("threads/<int:pk>/", thread, name="thread"),
]

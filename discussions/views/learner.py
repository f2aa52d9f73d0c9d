"""Learner pages: threads, posting, reactions, the cohort feed, micro-tasks done.

Thin: selectors read, services write. Every action works as a plain form post
(redirect, or the form again with its errors) and, under htmx, answers with the
smallest partial that changed. Service errors land on the form with the text
the person typed kept; a refusal by the policy is a 403, an object the person
cannot see a 404.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cohorts import selectors as cohort_selectors
from core import policy
from core.errors import PermissionDenied as ServicePermissionDenied
from core.markdown import word_count
from core.portal import attempt, require

from .. import selectors, services
from ..forms import EditForm, EndorseForm, FlagForm, MicrotaskDoneForm, PostForm, ReplyForm


def _first_error(form) -> str:
    return next((e for errors in form.errors.values() for e in errors), "")


def _post_url(post) -> str:
    return reverse("discussions:post", args=[post.pk])


def _thread_context(request, thread, **extra) -> dict:
    """What the post partials need to decide which controls to show."""
    user = request.user
    can_post = policy.allows(user, "thread.post", thread)
    return {
        "thread": thread,
        "prompt": thread.prompt,
        "can_post": can_post,
        "can_reply": can_post and thread.locked_at is None,
        "can_react": policy.allows(user, "thread.react", thread),
        "can_moderate": policy.allows(user, "prompt.manage", thread.prompt.cohort),
        **extra,
    }


def _counter(form, role) -> None:
    """Wire the body textarea to the live word counter (static/js/word-counter.js)."""
    attrs = form.fields["body"].widget.attrs
    attrs["data-word-counter"] = f"{form.prefix or 'post'}-word-count"
    attrs["aria-describedby"] = f"{form.prefix or 'post'}-word-count"
    if role is not None:
        attrs.update({"data-min-words": role.min_words, "data-max-words": role.max_words})
        if "as_role" in form.fields:
            attrs["data-bounds-toggle"] = form["as_role"].id_for_label
    else:
        attrs["data-max-words"] = services.MAX_POST_WORDS


def _post_form(view, data=None) -> PostForm:
    form = PostForm(data, role=view.role_due)
    _counter(form, view.role_due)
    return form


def _words(form) -> int:
    return word_count(form["body"].value() or "")


# --- the thread page and posting -----------------------------------------------------


@login_required
@require_GET
def thread(request, pk: int):
    view = selectors.thread_detail(request.user, pk, page=request.GET.get("page", 1))
    return _render_thread(request, view, _post_form(view))


def _render_thread(request, view, form):
    context = _thread_context(request, view.thread, view=view, form=form, role=view.role_due,
                              words=_words(form))
    return render(request, "discussions/thread.html", context)


@login_required
@require_POST
def post_create(request, pk: int):
    view = selectors.thread_detail(request.user, pk, page=request.GET.get("page", 1))
    require(request.user, "thread.post", view.thread)
    form = _post_form(view, request.POST)
    if form.is_valid():
        ok, post = attempt(form, services.post_create, actor=request.user, thread=view.thread,
                            body=form.cleaned_data["body"], as_role=form.cleaned_data.get("as_role", False))
        if ok:
            if not request.htmx:
                messages.success(request, "Your post is up.")
                return redirect(_post_url(post))
            # The new post joins the list, the roles table may show a deliverable done,
            # and the form starts fresh (without the role offer once it is delivered).
            view = selectors.thread_detail(request.user, pk)
            fresh = _post_form(view)
            return render(request, "discussions/partials/post_created.html", _thread_context(
                request, view.thread, view=view, form=fresh, role=view.role_due, words=0,
                post=selectors.post_get(request.user, post.pk)))
    if request.htmx:
        return render(request, "discussions/partials/post_form.html", _thread_context(
            request, view.thread, view=view, form=form, role=view.role_due, words=_words(form)))
    return _render_thread(request, view, form)


@login_required
@require_http_methods(["GET", "POST"])
def reply(request, pk: int):
    """Reply to a top-level post (one level: a reply to a reply joins its parent)."""
    parent = selectors.post_get(request.user, pk)
    thread = parent.thread
    if request.method == "GET":
        form = ReplyForm()
        if request.htmx:
            return render(request, "discussions/partials/reply_form.html", _thread_context(
                request, thread, parent=parent, reply_form=form))
    else:
        require(request.user, "thread.post", thread)
        form = ReplyForm(request.POST)
        if form.is_valid():
            ok, post = attempt(form, services.post_create, actor=request.user, thread=thread,
                                body=form.cleaned_data["body"], parent=parent)
            if ok:
                if not request.htmx:
                    messages.success(request, "Your reply is up.")
                    return redirect(_post_url(post))
                return render(request, "discussions/partials/reply_created.html", _thread_context(
                    request, thread, parent=parent, post=selectors.post_get(request.user, post.pk)))
        if request.htmx:
            return render(request, "discussions/partials/reply_form.html", _thread_context(
                request, thread, parent=parent, reply_form=form))
    return render(request, "discussions/reply.html", _thread_context(
        request, thread, parent=parent, post=parent, reply_form=form))


@login_required
@require_GET
def post_detail(request, pk: int):
    """A post's permalink: the thread page that shows it; under htmx, the post itself
    (what "Cancel" on the edit form puts back)."""
    post = selectors.post_get(request.user, pk)
    if request.htmx:
        part = "reactions" if request.GET.get("part") == "reactions" else "post_main"
        return render(request, f"discussions/partials/{part}.html",
                      _thread_context(request, post.thread, post=post))
    if post.parent_id and (anchor := selectors.reply_anchor(request.user, post)) is not None:
        query = urlencode({"before": anchor})
        return redirect(f"{reverse('discussions:replies', args=[post.parent_id])}?{query}#post-{post.pk}")
    page = selectors.post_page_number(request.user, post)
    query = f"?{urlencode({'page': page})}" if page > 1 else ""
    return redirect(f"{reverse('discussions:thread', args=[post.thread_id])}{query}#post-{post.pk}")


@login_required
@require_GET
def replies(request, pk: int):
    """A post's earlier replies: under htmx, the chunk that takes the place of the
    "earlier replies" link; otherwise a page with the post and that chunk."""
    parent = selectors.post_get(request.user, pk)
    if parent.parent_id:
        raise Http404("Replies have no replies of their own.")
    chunk = selectors.earlier_replies(request.user, parent, request.GET.get("before"))
    context = _thread_context(request, parent.thread, parent=parent, chunk=chunk)
    if request.htmx:
        return render(request, "discussions/partials/earlier_replies.html", context)
    return render(request, "discussions/replies.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def post_edit(request, pk: int):
    post = selectors.post_get(request.user, pk)
    require(request.user, "post.change", post)
    role = selectors.post_role(post)
    form = EditForm(request.POST if request.method == "POST" else None, initial={"body": post.body},
                    prefix=f"edit-{post.pk}")
    _counter(form, role)
    if request.method == "POST" and form.is_valid():
        ok, _ = attempt(form, services.post_edit, actor=request.user, post=post,
                         body=form.cleaned_data["body"])
        if ok:
            if not request.htmx:
                messages.success(request, "Your post is updated; the earlier text stays under “edited”.")
                return redirect(_post_url(post))
            return render(request, "discussions/partials/post_main.html",
                          _thread_context(request, post.thread, post=selectors.post_get(request.user, pk)))
    context = _thread_context(request, post.thread, post=post, form=form, role=role, words=_words(form))
    if request.htmx:
        return render(request, "discussions/partials/edit_form.html", context)
    return render(request, "discussions/edit.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def post_delete(request, pk: int):
    """Soft delete of one's own post, confirmed first (htmx asks with hx-confirm)."""
    post = selectors.post_get(request.user, pk)
    require(request.user, "post.change", post)
    if request.method == "GET":
        return render(request, "discussions/delete.html", _thread_context(request, post.thread, post=post))
    try:
        services.post_delete(actor=request.user, post=post)
    except ServicePermissionDenied as exc:
        raise DjangoPermissionDenied(exc.message) from exc
    if request.htmx:
        return render(request, "discussions/partials/post_deleted.html", {"post": post})
    messages.success(request, "Your post is deleted.")
    return redirect("discussions:thread", pk=post.thread_id)


@login_required
@require_GET
def post_versions(request, pk: int):
    """Earlier texts of an edited post, with when each was replaced."""
    post = selectors.post_get(request.user, pk)
    context = _thread_context(request, post.thread, post=post, versions=selectors.post_versions(post))
    if request.htmx:
        return render(request, "discussions/partials/versions.html", context)
    return render(request, "discussions/versions.html", context)


# --- reactions: endorse, nominate, flag (htmx swaps the post's footer) -----------------


def _reactions(request, pk: int, **extra):
    post = selectors.post_get(request.user, pk)
    return render(request, "discussions/partials/reactions.html",
                  _thread_context(request, post.thread, post=post, **extra))


def _after_reaction(request, post, form, ok: bool, done: str):
    if request.htmx:
        return _reactions(request, post.pk, **({} if ok else {"reaction_form": form}))
    if ok:
        messages.success(request, done)
    else:
        messages.error(request, _first_error(form))
    return redirect(_post_url(post))


@login_required
@require_POST
def endorse(request, pk: int):
    """Endorse a post as helpful, with an optional one-line endorsement, or take it back."""
    post = selectors.post_get(request.user, pk)
    form = EndorseForm(request.POST)
    ok, endorsement = False, None
    if form.is_valid():
        ok, endorsement = attempt(form, services.endorsement_toggle, actor=request.user, post=post,
                                   text=form.cleaned_data["text"])
    done = "You endorsed this post." if endorsement else "Your endorsement is withdrawn."
    return _after_reaction(request, post, form, ok, done)


@login_required
@require_POST
def nominate(request, pk: int):
    post = selectors.post_get(request.user, pk)
    form = EndorseForm({})
    ok, _ = attempt(form, services.top_take_nominate, actor=request.user, post=post)
    return _after_reaction(request, post, form, ok, "You nominated this post as a Top Take.")


@login_required
@require_http_methods(["GET", "POST"])
def flag(request, pk: int):
    """Flag a post with a reason and a note for the facilitators."""
    post = selectors.post_get(request.user, pk)
    form = FlagForm(request.POST if request.method == "POST" else None, prefix=f"flag-{post.pk}")
    if request.method == "POST" and form.is_valid():
        ok, _ = attempt(form, services.post_flag, actor=request.user, post=post,
                         reason=form.cleaned_data["reason"], note=form.cleaned_data["note"])
        if ok:
            if request.htmx:
                return _reactions(request, pk)
            messages.success(request, "Thank you: a facilitator will look at this post.")
            return redirect(_post_url(post))
    if request.htmx:
        return _reactions(request, pk, flag_form=form)
    return render(request, "discussions/flag.html", _thread_context(request, post.thread, post=post,
                                                                     flag_form=form))


# --- the cohort feed and micro-tasks ---------------------------------------------------


@login_required
@require_GET
def feed(request, pk: int):
    cohort = cohort_selectors.cohort_get(request.user, pk)
    feed = selectors.cohort_feed(request.user, cohort, request.GET.get("page", 1))
    return render(request, "discussions/feed.html", {"cohort": cohort, "feed": feed,
                                                     "cache_seconds": selectors.FEED_CACHE_SECONDS})


@login_required
@require_POST
def microtask_done(request, pk: int):
    """Mark a micro-task done with a short comment (htmx swaps the form for "Done")."""
    step = selectors.step_get(request.user, pk)
    form = MicrotaskDoneForm(request.POST)
    ok, completion = False, None
    if form.is_valid():
        ok, completion = attempt(form, services.microtask_complete, actor=request.user, step=step,
                                  comment=form.cleaned_data["comment"])
    if not ok:  # marked done already (another tab, a double click): show it as done
        completion = selectors.my_completion(request.user, step)
    context = {"step": step, "done": completion is not None, "completion": completion, "done_form": form}
    if request.htmx:
        return render(request, "discussions/partials/microtask.html", context)
    if completion is not None:
        if ok:
            messages.success(request, f"“{step.title}” is done.")
        return redirect(f"{reverse('portal:this_week')}?{urlencode({'cohort': step.cohort_id})}")
    return render(request, "discussions/microtask_done.html", context)


urlpatterns = [
    path("threads/<int:pk>/", thread, name="thread"),
    path("threads/<int:pk>/posts/", post_create, name="post_create"),
    path("posts/<int:pk>/", post_detail, name="post"),
    path("posts/<int:pk>/reply/", reply, name="reply"),
    path("posts/<int:pk>/replies/", replies, name="replies"),
    path("posts/<int:pk>/edit/", post_edit, name="post_edit"),
    path("posts/<int:pk>/delete/", post_delete, name="post_delete"),
    path("posts/<int:pk>/versions/", post_versions, name="post_versions"),
    path("posts/<int:pk>/endorse/", endorse, name="endorse"),
    path("posts/<int:pk>/nominate/", nominate, name="nominate"),
    path("posts/<int:pk>/flag/", flag, name="flag"),
    path("cohorts/<int:pk>/feed/", feed, name="feed"),
    path("steps/<int:pk>/done/", microtask_done, name="microtask_done"),
]

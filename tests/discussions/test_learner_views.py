"""The learner side of discussions in the portal, as a person notices it: the
thread page and its forms (plain posts and htmx swaps), "This week", the cohort
feed, Top Takes on the cohort page and the notifications bell; what another
squad and another organisation may do; and flat query counts."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cohorts import selectors as cohort_selectors
from cohorts.models import StepKind
from core import policy
from core.models import AuditEntry, Notification
from discussions import services
from discussions.models import (
    Endorsement,
    FeedItem,
    FeedKind,
    Flag,
    FlagReason,
    MicroTaskCompletion,
    Post,
    PromptRole,
    RoleAssignment,
    TopTakeNomination,
)
from tests.factories import CohortStepFactory

pytestmark = pytest.mark.django_db

LEARNER_BUDGET = 12
HTMX = {"HTTP_HX_REQUEST": "true"}


def words(n: int, word: str = "idea") -> str:
    return " ".join([word] * n)


def role_of(user, thread) -> PromptRole:
    name = RoleAssignment.objects.get(thread=thread, user=user).role
    return PromptRole.objects.get(prompt=thread.prompt, name=name)


def page_of(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


@pytest.fixture
def alpha(world, squads, publish):
    _, threads = publish()
    return threads["Alpha"]


@pytest.fixture
def as_learner(client, world):
    client.force_login(world.learner)
    return client


def thread_url(thread) -> str:
    return reverse("discussions:thread", args=[thread.pk])


# --- the thread page: posting ----------------------------------------------------------------


def test_the_thread_page_offers_the_role_paragraph_with_its_bounds_and_a_live_counter(
        as_learner, world, alpha):
    role = role_of(world.learner, alpha)
    page = page_of(as_learner, thread_url(alpha))
    assert f"Post as my {role.name} paragraph" in page
    assert f'data-min-words="{role.min_words}"' in page and f'data-max-words="{role.max_words}"' in page
    assert 'data-word-counter="post-word-count"' in page and 'id="post-word-count"' in page
    assert "js/word-counter.js" in page
    assert f"{role.min_words}\N{EN DASH}{role.max_words} words" in page


def test_a_role_paragraph_posted_without_javascript_is_delivered(as_learner, world, alpha):
    role = role_of(world.learner, alpha)
    body = words(role.min_words + 2)
    response = as_learner.post(reverse("discussions:post_create", args=[alpha.pk]),
                               {"body": body, "as_role": "on"})
    post = Post.objects.get(author=world.learner)
    assert post.role == role.name
    assert response.status_code == 302 and response["Location"] == reverse("discussions:post", args=[post.pk])
    # the permalink leads to the thread at the post
    follow = as_learner.get(response["Location"])
    assert follow["Location"] == f"{thread_url(alpha)}#post-{post.pk}"
    page = page_of(as_learner, thread_url(alpha))
    assert "delivered" in page and "Your post is up." in page
    assert f"Post as my {role.name} paragraph" not in page  # delivered: a free reply now


def test_a_post_with_htmx_appends_itself_refreshes_the_roles_and_resets_the_form(as_learner, world, alpha):
    role = role_of(world.learner, alpha)
    response = as_learner.post(reverse("discussions:post_create", args=[alpha.pk]),
                               {"body": words(role.min_words, "htmx"), "as_role": "on"}, **HTMX)
    html = response.content.decode()
    post = Post.objects.get(author=world.learner)
    assert response.status_code == 200 and "<html" not in html
    assert html.startswith('<section id="post-form"')
    assert 'hx-swap-oob="beforeend:#posts"' in html and f'id="post-{post.pk}"' in html
    assert '<section id="roles"' in html and 'hx-swap-oob="true"' in html and "delivered" in html
    assert "htmx htmx" in html  # the post itself
    assert f"Post as my {role.name} paragraph" not in html


def test_someone_without_a_role_gets_the_plain_post_form(client, world, alpha):
    client.force_login(world.facilitator)
    page = page_of(client, thread_url(alpha))
    assert "Add to the discussion" in page and "Post as my" not in page
    assert f'data-max-words="{services.MAX_POST_WORDS}"' in page


def test_a_free_reply_is_not_held_to_the_role_bounds(as_learner, world, alpha):
    as_learner.post(reverse("discussions:post_create", args=[alpha.pk]), {"body": "Quick thought."})
    post = Post.objects.get(author=world.learner)
    assert post.role == "" and post.body == "Quick thought."


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_a_too_short_role_paragraph_is_refused_and_the_text_stays(as_learner, world, alpha, htmx):
    role = role_of(world.learner, alpha)
    typed = "Only a few words here, honestly"
    response = as_learner.post(reverse("discussions:post_create", args=[alpha.pk]),
                               {"body": typed, "as_role": "on"}, **(HTMX if htmx else {}))
    html = response.content.decode()
    assert response.status_code == 200
    assert f"Your {role.name} paragraph needs at least {role.min_words} words" in html
    assert typed in html and "checked" in html
    assert not Post.objects.exists()


def test_the_rate_limit_is_explained_and_the_text_stays(as_learner, world, alpha):
    for n in range(services.POST_RATE_LIMIT):
        services.post_create(actor=world.learner, thread=alpha, body=f"Thought {n}")
    typed = "One more idea I really want to share"
    response = as_learner.post(reverse("discussions:post_create", args=[alpha.pk]), {"body": typed}, **HTMX)
    html = response.content.decode()
    assert "take a breath" in html and "Your text is kept below" in html
    assert typed in html
    assert Post.objects.filter(author=world.learner).count() == services.POST_RATE_LIMIT


def test_a_locked_thread_says_why_and_offers_no_form(as_learner, world, alpha):
    services.post_create(actor=world.peer_mentor, thread=alpha, body="Before the lock")
    services.thread_lock(actor=world.facilitator, thread=alpha)
    page = page_of(as_learner, thread_url(alpha))
    assert "This thread is locked." in page and world.facilitator.display_name in page
    assert 'id="post-form"' not in page and "Reply to" not in page
    html = as_learner.post(reverse("discussions:post_create", args=[alpha.pk]), {"body": "Sneaky"},
                           **HTMX).content.decode()
    assert "This thread is locked" in html and "Sneaky" in html
    assert not Post.objects.filter(author=world.learner).exists()


# --- replies, edits, versions, deletion ---------------------------------------------------------


@pytest.fixture
def mentor_post(world, alpha):
    return services.post_create(actor=world.peer_mentor, thread=alpha, body="Feedback lands when specific.")


def test_each_top_level_post_has_a_reply_form_and_a_reply_joins_it_with_htmx(
        as_learner, world, alpha, mentor_post):
    page = page_of(as_learner, thread_url(alpha))
    assert f'id="reply-box-{mentor_post.pk}"' in page and f"Reply to {world.peer_mentor.display_name}" in page
    # the link fetches the form in place (the page carries no textarea per post)
    assert f'id="reply-{mentor_post.pk}-body"' not in page
    form = as_learner.get(reverse("discussions:reply", args=[mentor_post.pk]), **HTMX).content.decode()
    assert form.startswith(f'<div id="reply-box-{mentor_post.pk}"')
    assert f'id="reply-{mentor_post.pk}-body"' in form
    response = as_learner.post(reverse("discussions:reply", args=[mentor_post.pk]),
                               {"body": "Agreed, and kind."}, **HTMX)
    html = response.content.decode()
    reply = Post.objects.get(author=world.learner)
    assert reply.parent == mentor_post
    assert html.startswith(f'<div id="reply-box-{mentor_post.pk}"')
    assert f'hx-swap-oob="beforeend:#replies-{mentor_post.pk}"' in html and "Agreed, and kind." in html
    # replies stay one level deep: no reply form under a reply
    page = page_of(as_learner, thread_url(alpha))
    assert f'id="reply-box-{reply.pk}"' not in page


def _replies(thread, parent, authors, count: int) -> list[Post]:
    start = timezone.now() - dt.timedelta(hours=1)
    people = itertools.cycle(authors)
    return Post.objects.bulk_create(
        Post(thread=thread, parent=parent, author=next(people), body=f"Reply number {i}",
             body_html=f"<p>Reply number {i}.</p>", word_count=3, created_at=start + dt.timedelta(seconds=i))
        for i in range(count))


def test_a_busy_post_shows_its_latest_replies_and_loads_the_earlier_ones(
        as_learner, world, squads, alpha, mentor_post, monkeypatch):
    from discussions import selectors
    replies = _replies(alpha, mentor_post, [world.learner, squads["alpha_extra"]], 17)
    page = page_of(as_learner, thread_url(alpha))
    # the latest five, oldest of them first, and a link for the twelve before them
    shown = [n for n in range(17) if f"Reply number {n}." in page]
    assert shown == [12, 13, 14, 15, 16]
    assert "Show 12 earlier replies" in page
    assert page.index("Show 12 earlier replies") < page.index("Reply number 12.")
    # the link loads them in its place, in chunks, each with a link for what is older still
    monkeypatch.setattr(selectors, "REPLIES_PER_PAGE", 5)
    url = f"{reverse('discussions:replies', args=[mentor_post.pk])}?before={replies[12].pk}"
    chunk = as_learner.get(url, **HTMX).content.decode()
    assert [n for n in range(17) if f"Reply number {n}." in chunk] == [7, 8, 9, 10, 11]
    assert "Show 7 earlier replies" in chunk and "<html" not in chunk
    chunk = as_learner.get(f"{reverse('discussions:replies', args=[mentor_post.pk])}?before={replies[2].pk}",
                           **HTMX).content.decode()
    assert [n for n in range(17) if f"Reply number {n}." in chunk] == [0, 1] and "earlier repl" not in chunk


def test_the_permalink_of_an_older_reply_opens_the_page_that_shows_it(as_learner, world, squads, alpha,
                                                                     mentor_post):
    replies = _replies(alpha, mentor_post, [world.learner], 9)
    response = as_learner.get(reverse("discussions:post", args=[replies[1].pk]))
    assert response.status_code == 302
    replies_url = reverse("discussions:replies", args=[mentor_post.pk])
    assert response["Location"].endswith(f"{replies_url}?before={replies[2].pk}#post-{replies[1].pk}")
    page = page_of(as_learner, response["Location"].split("#")[0])
    assert "Replies to" in page and "Reply number 1." in page and "Reply number 2." not in page
    assert "Feedback lands when specific." in page
    # a recent reply is on the thread page itself
    response = as_learner.get(reverse("discussions:post", args=[replies[8].pk]))
    assert response["Location"].endswith(f"{thread_url(alpha)}#post-{replies[8].pk}")


def test_the_cached_thread_page_shows_every_change_at_once(client, world, alpha, mentor_post):
    """Page data is cached per thread revision: each write starts a new one."""
    client.force_login(world.learner)
    assert "Feedback lands when specific." in page_of(client, thread_url(alpha))
    services.post_create(actor=world.peer_mentor, thread=alpha, body="A second thought.")
    assert "A second thought." in page_of(client, thread_url(alpha))
    services.endorsement_toggle(actor=world.facilitator, post=mentor_post, text="")
    assert '<span class="endorsement-count">1</span>' in page_of(client, thread_url(alpha))
    services.post_edit(actor=world.peer_mentor, post=mentor_post, body="Feedback lands when kind.")
    assert "Feedback lands when kind." in page_of(client, thread_url(alpha))
    services.post_hide(actor=world.facilitator, post=mentor_post)
    page = page_of(client, thread_url(alpha))
    assert "Feedback lands when kind." not in page and "A second thought." in page
    # the facilitator, who still sees hidden posts, has a page of their own
    client.force_login(world.facilitator)
    assert "Feedback lands when kind." in page_of(client, thread_url(alpha))


def test_a_refused_reply_keeps_its_text(as_learner, world, alpha, mentor_post):
    for n in range(services.POST_RATE_LIMIT):
        services.post_create(actor=world.learner, thread=alpha, body=f"Thought {n}")
    typed = "My careful reply"
    html = as_learner.post(reverse("discussions:reply", args=[mentor_post.pk]), {"body": typed},
                           **HTMX).content.decode()
    assert "take a breath" in html and typed in html and "<details open>" in html
    # and without JavaScript, on a reply page
    html = as_learner.post(reverse("discussions:reply", args=[mentor_post.pk]),
                           {"body": typed}).content.decode()
    assert "<h1>Reply to" in html and "take a breath" in html and typed in html


def test_editing_keeps_the_earlier_versions_visible_behind_edited(as_learner, world, alpha):
    post = services.post_create(actor=world.learner, thread=alpha, body="First take")
    form = page_of(as_learner, reverse("discussions:post_edit", args=[post.pk]))
    assert "First take" in form and f'name="edit-{post.pk}-body"' in form
    response = as_learner.post(reverse("discussions:post_edit", args=[post.pk]),
                               {f"edit-{post.pk}-body": "Second, better take"}, **HTMX)
    html = response.content.decode()
    assert html.startswith(f'<div id="post-main-{post.pk}"') and "Second, better take" in html
    assert "edited" in html and reverse("discussions:post_versions", args=[post.pk]) in html
    versions = page_of(as_learner, reverse("discussions:post_versions", args=[post.pk]))
    assert "First take" in versions and "Second, better take" in versions and "replaced" in versions
    partial = as_learner.get(reverse("discussions:post_versions", args=[post.pk]), **HTMX).content.decode()
    assert "First take" in partial and "<html" not in partial


def test_an_edit_that_breaks_the_role_bounds_is_refused_with_the_text_kept(as_learner, world, alpha):
    role = role_of(world.learner, alpha)
    post = services.post_create(actor=world.learner, thread=alpha, body=words(role.min_words), as_role=True)
    html = as_learner.post(reverse("discussions:post_edit", args=[post.pk]),
                           {f"edit-{post.pk}-body": "Too short now"}, **HTMX).content.decode()
    assert f"needs at least {role.min_words} words" in html and "Too short now" in html
    assert f'data-min-words="{role.min_words}"' in html
    post.refresh_from_db()
    assert post.body == words(role.min_words)


def test_deleting_asks_first_then_hides_the_post_and_is_audited(as_learner, world, alpha):
    post = services.post_create(actor=world.learner, thread=alpha, body="Regrettable")
    confirm = page_of(as_learner, reverse("discussions:post_delete", args=[post.pk]))
    assert "Delete your post?" in confirm and "Regrettable" in confirm
    page = page_of(as_learner, thread_url(alpha))
    assert 'hx-confirm="Delete this post?' in page
    html = as_learner.post(reverse("discussions:post_delete", args=[post.pk]), **HTMX).content.decode()
    assert "Your post is deleted." in html
    post.refresh_from_db()
    assert post.deleted_at is not None
    assert AuditEntry.objects.filter(action="post.delete", actor=world.learner).exists()
    assert "Regrettable" not in page_of(as_learner, thread_url(alpha))
    assert as_learner.get(reverse("discussions:post", args=[post.pk])).status_code == 404


def test_only_the_author_edits_or_deletes(client, world, alpha, mentor_post):
    client.force_login(world.learner)
    page = page_of(client, thread_url(alpha))
    assert reverse("discussions:post_edit", args=[mentor_post.pk]) not in page
    assert client.get(reverse("discussions:post_edit", args=[mentor_post.pk])).status_code == 403
    assert client.post(reverse("discussions:post_edit", args=[mentor_post.pk]),
                       {f"edit-{mentor_post.pk}-body": "Hijack"}).status_code == 403
    assert client.post(reverse("discussions:post_delete", args=[mentor_post.pk])).status_code == 403
    mentor_post.refresh_from_db()
    assert mentor_post.deleted_at is None and mentor_post.body == "Feedback lands when specific."


# --- reactions: endorse, nominate, flag ---------------------------------------------------------


def test_endorsing_swaps_only_the_footer_and_toggles(as_learner, world, mentor_post):
    url = reverse("discussions:endorse", args=[mentor_post.pk])
    html = as_learner.post(url, {"text": "Made me rethink my 1:1s"}, **HTMX).content.decode()
    assert html.startswith(f'<footer id="reactions-{mentor_post.pk}"')
    assert '<span class="endorsement-count">1</span> found this helpful (you too)' in html
    assert "Withdraw endorsement" in html
    item = FeedItem.objects.get(kind=FeedKind.ENDORSEMENT)
    assert item.text == "Made me rethink my 1:1s" and item.actor == world.learner
    html = as_learner.post(url, {}, **HTMX).content.decode()
    assert '<span class="endorsement-count">0</span> found this helpful' in html
    assert "Endorse</button>" in html
    assert not Endorsement.objects.exists()


def test_endorsing_without_javascript_returns_to_the_post(as_learner, world, alpha, mentor_post):
    response = as_learner.post(reverse("discussions:endorse", args=[mentor_post.pk]), {"text": ""})
    assert response.status_code == 302 and response["Location"] == reverse("discussions:post",
                                                                           args=[mentor_post.pk])
    assert Endorsement.objects.filter(post=mentor_post, user=world.learner).exists()


def test_nobody_endorses_or_flags_their_own_post(client, world, mentor_post):
    client.force_login(world.peer_mentor)
    page = page_of(client, thread_url(mentor_post.thread))
    assert reverse("discussions:endorse", args=[mentor_post.pk]) not in page
    html = client.post(reverse("discussions:endorse", args=[mentor_post.pk]), {"text": "Me!"},
                       **HTMX).content.decode()
    assert "You cannot endorse your own post." in html
    assert not Endorsement.objects.exists()


def test_nominating_a_top_take(as_learner, world, mentor_post):
    html = as_learner.post(reverse("discussions:nominate", args=[mentor_post.pk]), **HTMX).content.decode()
    assert "You nominated it as a Top Take." in html
    assert TopTakeNomination.objects.filter(post=mentor_post, user=world.learner).exists()


def test_flagging_with_a_reason_and_a_note(as_learner, world, mentor_post):
    url = reverse("discussions:flag", args=[mentor_post.pk])
    form = as_learner.get(url, **HTMX).content.decode()
    assert form.startswith(f'<footer id="reactions-{mentor_post.pk}"')
    for label in FlagReason.labels:
        assert label.replace("'", "&#x27;") in form
    prefix = f"flag-{mentor_post.pk}"
    # no reason: refused, the note stays
    html = as_learner.post(url, {f"{prefix}-note": "Names a colleague"}, **HTMX).content.decode()
    assert "Choose why you are flagging this post." in html and "Names a colleague" in html
    html = as_learner.post(url, {f"{prefix}-reason": FlagReason.PERSONAL_DATA,
                                 f"{prefix}-note": "Names a colleague"}, **HTMX).content.decode()
    assert "You flagged this post." in html
    flag = Flag.objects.get(post=mentor_post)
    assert (flag.reporter, flag.reason, flag.note) == (
        world.learner, FlagReason.PERSONAL_DATA, "Names a colleague")
    # a second flag is refused with the service's message (the page without JavaScript)
    html = as_learner.post(url, {f"{prefix}-reason": FlagReason.SPAM}).content.decode()
    assert "You already flagged this post" in html


# --- who may do what ----------------------------------------------------------------------------


def test_another_squad_reads_but_does_not_post(client, world, squads, alpha, mentor_post):
    client.force_login(squads["beta_members"][0])
    page = page_of(client, thread_url(alpha))
    assert 'id="post-form"' not in page and "Reply to" not in page
    assert "Squad Alpha discusses here; you can read along, endorse and flag posts." in page
    assert client.post(reverse("discussions:post_create", args=[alpha.pk]), {"body": "Hi"}).status_code == 403
    assert client.post(reverse("discussions:reply", args=[mentor_post.pk]), {"body": "Hi"}).status_code == 403
    assert not Post.objects.filter(author=squads["beta_members"][0]).exists()


def test_another_organisation_gets_404_everywhere(client, world, alpha, mentor_post, other_world):
    client.force_login(other_world.learner)
    pk = mentor_post.pk
    step = CohortStepFactory(cohort=world.cohort, kind=StepKind.MICROTASK)
    for method, url in [
        ("get", thread_url(alpha)),
        ("post", reverse("discussions:post_create", args=[alpha.pk])),
        ("get", reverse("discussions:post", args=[pk])),
        ("post", reverse("discussions:reply", args=[pk])),
        ("get", reverse("discussions:post_edit", args=[pk])),
        ("post", reverse("discussions:post_delete", args=[pk])),
        ("get", reverse("discussions:post_versions", args=[pk])),
        ("post", reverse("discussions:endorse", args=[pk])),
        ("post", reverse("discussions:nominate", args=[pk])),
        ("post", reverse("discussions:flag", args=[pk])),
        ("get", reverse("discussions:feed", args=[world.cohort.pk])),
        ("post", reverse("discussions:microtask_done", args=[step.pk])),
    ]:
        assert getattr(client, method)(url, {"body": "x"}).status_code == 404, url


def test_a_hidden_post_is_gone_for_learners(as_learner, world, mentor_post):
    services.post_hide(actor=world.facilitator, post=mentor_post)
    assert as_learner.get(reverse("discussions:post", args=[mentor_post.pk])).status_code == 404
    assert as_learner.post(reverse("discussions:endorse", args=[mentor_post.pk])).status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(client, alpha):
    response = client.get(thread_url(alpha))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- This week ------------------------------------------------------------------------------


@pytest.fixture
def week(world):
    """The world cohort two days into its first week, in the learner's timezone."""
    world.cohort.start_date = cohort_selectors.local_today(world.learner) - dt.timedelta(days=2)
    world.cohort.save()
    return world


def _due_this_week(world) -> dt.datetime:
    return timezone.now() + dt.timedelta(days=1)


def test_this_week_shows_the_prompt_role_deliverable_bounds_due_minutes_and_thread(
        as_learner, week, squads):
    prompt = services.prompt_create(actor=week.facilitator, cohort=week.cohort, title="Feedback that lands",
                                    body="Share one.", due_at=_due_this_week(week), minutes=25)
    alpha = {t.squad.name: t for t in services.prompt_publish(actor=week.facilitator, prompt=prompt)}["Alpha"]
    role = role_of(week.learner, alpha)
    page = page_of(as_learner, reverse("portal:this_week"))
    assert "Feedback that lands" in page and thread_url(alpha) in page
    assert f"<strong>{role.name}</strong>" in page and role.deliverable in page
    assert f"{role.min_words}\N{EN DASH}{role.max_words} words" in page
    assert "about 25 min" in page and "due " in page
    assert reverse("discussions:feed", args=[week.cohort.pk]) in page


def test_this_week_leaves_out_drafts_and_other_weeks_prompts(as_learner, week, squads):
    services.prompt_create(actor=week.facilitator, cohort=week.cohort, title="Still a draft",
                           body="x", due_at=_due_this_week(week))
    later = services.prompt_create(actor=week.facilitator, cohort=week.cohort, title="Next month",
                                   body="x", due_at=timezone.now() + dt.timedelta(days=30))
    services.prompt_publish(actor=week.facilitator, prompt=later)
    page = page_of(as_learner, reverse("portal:this_week"))
    assert "Still a draft" not in page and "Next month" not in page


def test_marking_a_microtask_done_swaps_to_done_and_reaches_the_feed(as_learner, week):
    step = CohortStepFactory(cohort=week.cohort, kind=StepKind.MICROTASK, title="Ask one colleague",
                             opens_on=week.cohort.start_date)
    page = page_of(as_learner, reverse("portal:this_week"))
    assert f'id="microtask-{step.pk}"' in page and "Mark done" in page
    html = as_learner.post(reverse("discussions:microtask_done", args=[step.pk]),
                           {"comment": "Asked Sam, learned plenty"}, **HTMX).content.decode()
    assert html.startswith(f'<div id="microtask-{step.pk}"') and "Done: “Asked Sam, learned plenty”" in html
    assert MicroTaskCompletion.objects.filter(step=step, user=week.learner).exists()
    page = page_of(as_learner, reverse("portal:this_week"))
    assert "Done" in page and reverse("discussions:microtask_done", args=[step.pk]) not in page
    feed = page_of(as_learner, reverse("discussions:feed", args=[week.cohort.pk]))
    assert "Ask one colleague" in feed and "Asked Sam, learned plenty" in feed


def test_marking_a_microtask_done_without_javascript(as_learner, week):
    step = CohortStepFactory(cohort=week.cohort, kind=StepKind.MICROTASK, opens_on=week.cohort.start_date)
    url = reverse("discussions:microtask_done", args=[step.pk])
    long_comment = "x" * 281
    html = as_learner.post(url, {"comment": long_comment}).content.decode()
    assert "Keep the comment short (280 characters)." in html and long_comment in html
    response = as_learner.post(url, {"comment": "Done it"})
    assert response.status_code == 302 and response["Location"].startswith(reverse("portal:this_week"))
    html = as_learner.post(url, {"comment": "Again"}, **HTMX).content.decode()
    assert "Done: “Done it”" in html and "Mark done" not in html  # already done: shown as done


def test_a_facilitator_is_not_offered_mark_done(client, week):
    CohortStepFactory(cohort=week.cohort, kind=StepKind.MICROTASK, opens_on=week.cohort.start_date)
    client.force_login(week.facilitator)
    assert "Mark done" not in page_of(client, f"{reverse('portal:this_week')}?cohort={week.cohort.pk}")


# --- the cohort feed and Top Takes ----------------------------------------------------------------


def test_the_feed_shows_every_kind_newest_first(as_learner, world, alpha, mentor_post):
    step = CohortStepFactory(cohort=world.cohort, kind=StepKind.MICROTASK, title="Ask once")
    services.microtask_complete(actor=world.learner, step=step, comment="Asked my lead")
    services.endorsement_toggle(actor=world.learner, post=mentor_post, text="Crisp and true")
    services.top_take_select(actor=world.facilitator, post=mentor_post, reason="Names the behaviour")
    html = page_of(as_learner, reverse("discussions:feed", args=[world.cohort.pk]))
    positions = [html.index(s) for s in ("Names the behaviour", "<q>Crisp and true</q>", "Asked my lead",
                                         "Feedback lands when specific.")]
    assert positions == sorted(positions)
    assert reverse("discussions:post", args=[mentor_post.pk]) in html


def test_the_feed_is_paginated_and_leaves_out_deleted_posts(as_learner, world, alpha):
    for n in range(31):
        FeedItem.objects.create(cohort=world.cohort, kind=FeedKind.MICROTASK, actor=world.learner,
                                text=f"Item {n}")
    gone = services.post_create(actor=world.learner, thread=alpha, body="Soon gone")
    services.post_delete(actor=world.learner, post=gone)
    first = page_of(as_learner, reverse("discussions:feed", args=[world.cohort.pk]))
    assert "Page 1 of 2" in first and "Soon gone" not in first
    second = page_of(as_learner, reverse("discussions:feed", args=[world.cohort.pk]) + "?page=2")
    assert "Page 2 of 2" in second


def test_top_takes_show_on_the_cohort_page_with_their_reason(as_learner, world, mentor_post):
    services.top_take_select(actor=world.facilitator, post=mentor_post, reason="Names the behaviour")
    page = page_of(as_learner, reverse("portal:cohort_detail", args=[world.cohort.pk]))
    assert "Top Takes" in page and "Names the behaviour" in page and "Feedback lands when specific." in page
    assert reverse("discussions:feed", args=[world.cohort.pk]) in page
    thread = page_of(as_learner, thread_url(mentor_post.thread))
    assert "Top Take: Names the behaviour" in thread


# --- notifications -----------------------------------------------------------------------------


def notify(user, n: int = 1, url: str = "/week/"):
    return [Notification.objects.create(user=user, organization=user.organization, kind="mention",
                                        title=f"Someone mentioned you ({i})", url=url)
            for i in range(n)]


def test_the_bell_counts_unread_and_the_page_marks_read(as_learner, world):
    first, _ = notify(world.learner, 2)
    notify(world.peer_mentor)  # someone else's
    page = page_of(as_learner, reverse("portal:this_week"))
    assert 'aria-label="Notifications, 2 unread"' in page
    listing = page_of(as_learner, reverse("notifications:list"))
    assert "Someone mentioned you (0)" in listing and listing.count('class="notification unread"') == 2
    html = as_learner.post(reverse("notifications:read", args=[first.pk]), **HTMX).content.decode()
    assert html.startswith(f'<li id="notification-{first.pk}" class="notification"')
    assert 'id="nav-bell"' in html and 'hx-swap-oob="true"' in html and "1 unread" in html
    as_learner.post(reverse("notifications:read_all"))
    assert not Notification.objects.filter(user=world.learner, read_at__isnull=True).exists()
    assert 'aria-label="Notifications"' in page_of(as_learner, reverse("portal:this_week"))


def test_opening_a_notification_marks_it_read_and_follows_its_link(as_learner, world):
    (note,) = notify(world.learner)
    response = as_learner.get(reverse("notifications:open", args=[note.pk]))
    assert response.status_code == 302 and response["Location"] == "/week/"
    note.refresh_from_db()
    assert note.read_at is not None
    (offsite,) = notify(world.learner, url="https://evil.example/")
    assert as_learner.get(reverse("notifications:open", args=[offsite.pk]))["Location"] == reverse(
        "notifications:list")


def test_other_peoples_notifications_are_404(as_learner, world):
    (theirs,) = notify(world.peer_mentor)
    assert as_learner.post(reverse("notifications:read", args=[theirs.pk])).status_code == 404
    assert as_learner.get(reverse("notifications:open", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_a_mention_reaches_the_bell(client, world, alpha, django_capture_on_commit_callbacks):
    client.force_login(world.learner)
    handle = world.peer_mentor.email.split("@")[0]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("discussions:post_create", args=[alpha.pk]),
                    {"body": f"What do you think, @{handle}?"})
    client.force_login(world.peer_mentor)
    policy.forget_roles(world.peer_mentor)
    assert "1 unread" in page_of(client, reverse("portal:this_week"))
    assert f"{world.learner.display_name} mentioned you" in page_of(client, reverse("notifications:list"))


# --- query counts ----------------------------------------------------------------------------


def count_queries(client, url, *, cold: bool = False) -> int:
    """Queries of one request after a warm-up (templates, roles); `cold` empties the
    cache first, to count the path that reads and renders the page data."""
    client.get(url)  # warm per-process caches
    if cold:
        cache.clear()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


_numbers = itertools.count()


def grow_thread(thread, members, replies: int) -> None:
    """Top-level posts with replies, endorsements, a Top Take, an edit; written in bulk."""
    now = timezone.now() - dt.timedelta(hours=2)
    authors = itertools.cycle(members)
    tops = Post.objects.bulk_create(
        Post(thread=thread, author=next(authors), body=f"Top {next(_numbers)}", body_html="<p>Top</p>",
             word_count=1, created_at=now) for _ in range(max(1, replies // 10)))
    Post.objects.bulk_create(
        Post(thread=thread, author=next(authors), parent=tops[i % len(tops)], body="Reply",
             body_html=f"<p>Reply {i}</p>", word_count=1, created_at=now + dt.timedelta(seconds=i))
        for i in range(replies))
    Endorsement.objects.bulk_create(Endorsement(post=post, user=members[0]) for post in tops
                                    if post.author != members[0])


@pytest.mark.parametrize("replies", [20, 500])
def test_the_thread_page_costs_the_same_with_20_or_500_replies(as_learner, world, squads, alpha, replies,
                                                              record_property):
    members = [world.learner, world.peer_mentor, squads["alpha_extra"]]
    grow_thread(alpha, members, 20)
    small = count_queries(as_learner, thread_url(alpha), cold=True)  # page data is cached per revision
    grow_thread(alpha, members, replies - 20)
    large = count_queries(as_learner, thread_url(alpha), cold=True)
    record_property("queries", f"{small} -> {large}")
    assert small <= LEARNER_BUDGET and large == small, (small, large)


def grow_feed(world, items: int) -> None:
    step = CohortStepFactory(cohort=world.cohort, kind=StepKind.MICROTASK)
    users = [world.learner, world.peer_mentor]
    FeedItem.objects.bulk_create(
        FeedItem(cohort=world.cohort, kind=FeedKind.MICROTASK, actor=users[i % 2], text=f"Did it {i}",
                 completion=MicroTaskCompletion.objects.get_or_create(step=step, user=users[i % 2])[0])
        for i in range(items))


def test_the_feed_costs_the_same_with_50_or_5000_items(as_learner, world, alpha, mentor_post,
                                                       record_property):
    services.endorsement_toggle(actor=world.learner, post=mentor_post, text="Yes")
    services.top_take_select(actor=world.facilitator, post=mentor_post, reason="Clear")
    grow_feed(world, 47)
    url = reverse("discussions:feed", args=[world.cohort.pk])
    small = count_queries(as_learner, url, cold=True)  # feed pages render once per feed revision
    grow_feed(world, 4950)
    large = count_queries(as_learner, url, cold=True)
    record_property("queries", f"{small} -> {large}")
    assert small <= LEARNER_BUDGET and large == small, (small, large)


def test_the_cached_feed_shows_every_change_at_once(as_learner, world, alpha, mentor_post):
    url = reverse("discussions:feed", args=[world.cohort.pk])
    assert "Feedback lands when specific." in page_of(as_learner, url)
    assert count_queries(as_learner, url) < count_queries(as_learner, url, cold=True)  # items read on a miss
    services.endorsement_toggle(actor=world.facilitator, post=mentor_post, text="Spot on")
    assert "Spot on" in page_of(as_learner, url)
    services.post_edit(actor=world.peer_mentor, post=mentor_post, body="Feedback lands when kind.")
    assert "Feedback lands when kind." in page_of(as_learner, url)
    services.post_hide(actor=world.facilitator, post=mentor_post)
    assert "Feedback lands when kind." not in page_of(as_learner, url)
    services.post_restore(actor=world.facilitator, post=mentor_post)
    assert "Feedback lands when kind." in page_of(as_learner, url)


@pytest.mark.parametrize("with_prompts", [False, True], ids=["without prompts", "with prompts"])
def test_this_week_costs_the_same_with_or_without_prompts(as_learner, week, squads, with_prompts,
                                                          record_property):
    for _ in range(3):
        CohortStepFactory(cohort=week.cohort, kind=StepKind.MICROTASK, opens_on=week.cohort.start_date)
    url = reverse("portal:this_week")
    before = count_queries(as_learner, url)
    if with_prompts:
        for n in range(4):
            prompt = services.prompt_create(actor=week.facilitator, cohort=week.cohort, title=f"Prompt {n}",
                                            body="x", due_at=_due_this_week(week))
            services.prompt_publish(actor=week.facilitator, prompt=prompt)
        step = week.cohort.steps.first()
        services.microtask_complete(actor=week.learner, step=step, comment="done")
        notify(week.learner, 5)
    after = count_queries(as_learner, url)
    record_property("queries", f"{before} -> {after}")
    assert before <= LEARNER_BUDGET and after == before, (before, after)
    if with_prompts:
        assert "Prompt 3" in page_of(as_learner, url)


def test_the_notifications_page_costs_the_same_with_more_notifications(as_learner, world, record_property):
    notify(world.learner, 3)
    small = count_queries(as_learner, reverse("notifications:list"))
    notify(world.learner, 60)
    large = count_queries(as_learner, reverse("notifications:list"))
    record_property("queries", f"{small} -> {large}")
    assert large == small <= LEARNER_BUDGET

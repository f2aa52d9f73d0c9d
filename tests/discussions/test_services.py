"""Prompts, rotating roles and posts, as the services write them."""

import pytest

from core.errors import ApplicationError, PermissionDenied
from core.models import AuditEntry, Event
from discussions import services
from discussions.models import Post, PostVersion, RoleAssignment

pytestmark = pytest.mark.django_db

WORDS = "word " * 60


def roles_in(thread) -> dict[int, str]:
    return dict(RoleAssignment.objects.filter(thread=thread).values_list("user_id", "role"))


def test_publishing_opens_a_thread_per_squad_and_gives_every_member_a_role(world, squads, publish):
    prompt, threads = publish()
    assert set(threads) == {"Alpha", "Beta"}
    alpha = roles_in(threads["Alpha"])
    assert sorted(alpha.values()) == ["challenger", "questioner", "summarizer"]
    assert world.learner.pk in alpha and world.facilitator.pk not in alpha
    assert Event.objects.filter(verb="prompt_published", subject_id=str(prompt.pk)).count() == 1
    assert Event.objects.filter(verb="role_assigned", cohort=world.cohort).count() == 6
    assert AuditEntry.objects.filter(action="prompt.publish", actor=world.facilitator).exists()


def test_nobody_repeats_a_role_before_the_squad_has_had_them_all(world, squads, publish):
    seen: dict[int, list[str]] = {}
    for number in range(3):
        _, threads = publish(title=f"Prompt {number}")
        for user_id, role in roles_in(threads["Beta"]).items():
            seen.setdefault(user_id, []).append(role)
    assert all(sorted(held) == ["challenger", "questioner", "summarizer"] for held in seen.values())


def test_the_rotation_continues_from_a_facilitators_swap(world, squads, publish):
    _, threads = publish(title="First")
    first = roles_in(threads["Beta"])
    a, b = list(first)[:2]
    services.roles_swap(actor=world.facilitator, thread=threads["Beta"], first_user_id=a, second_user_id=b)
    swapped = roles_in(threads["Beta"])
    assert (swapped[a], swapped[b]) == (first[b], first[a])
    _, threads = publish(title="Second")
    second = roles_in(threads["Beta"])
    assert all(second[user] != swapped[user] for user in second)
    assert AuditEntry.objects.filter(action="roles.swap").exists()


def test_learners_may_not_publish_prompts(world, squads):
    with pytest.raises(PermissionDenied):
        services.prompt_create(actor=world.learner, cohort=world.cohort, title="Mine", body="x",
                               due_at=world.cohort.created_at)


def test_a_role_deliverable_must_fit_the_roles_length(world, squads, publish):
    _, threads = publish()
    with pytest.raises(ApplicationError) as raised:
        services.post_create(actor=world.learner, thread=threads["Alpha"], body="Too short.", as_role=True)
    assert "at least" in raised.value.errors["body"][0]
    post = services.post_create(actor=world.learner, thread=threads["Alpha"], body=WORDS, as_role=True)
    assert post.role == roles_in(threads["Alpha"])[world.learner.pk]
    event = Event.objects.get(verb="post_created", subject_id=str(post.pk))
    assert event.payload["words"] == 60 and event.payload["squad_id"] == squads["alpha"].pk
    assert event.payload["author_id"] == world.learner.pk and event.payload["role"] == post.role


def test_replies_stay_one_level_deep(world, squads, publish):
    _, threads = publish()
    thread = threads["Alpha"]
    top = services.post_create(actor=world.learner, thread=thread, body="A first thought.")
    reply = services.post_create(actor=world.peer_mentor, thread=thread, body="Agreed.", parent=top)
    reply_to_reply = services.post_create(actor=world.learner, thread=thread, body="Thanks!", parent=reply)
    assert reply_to_reply.parent == top
    assert Event.objects.filter(verb="reply_created").count() == 2


def test_members_post_only_in_their_own_squads_thread(world, squads, publish):
    _, threads = publish()
    with pytest.raises(PermissionDenied):
        services.post_create(actor=world.learner, thread=threads["Beta"], body="Hello Beta")
    # Facilitators and experts take part everywhere.
    services.post_create(actor=world.expert, thread=threads["Beta"], body="A nudge from the expert.")


def test_a_locked_thread_refuses_new_posts(world, squads, publish):
    from django.utils import timezone

    _, threads = publish()
    thread = threads["Alpha"]
    thread.locked_at = timezone.now()
    thread.save()
    with pytest.raises(ApplicationError) as raised:
        services.post_create(actor=world.learner, thread=thread, body="Anyone?")
    assert "locked" in raised.value.errors["body"][0]


def test_editing_keeps_the_previous_text_and_deleting_is_soft(world, squads, publish):
    _, threads = publish()
    post = services.post_create(actor=world.learner, thread=threads["Alpha"], body="First *draft*")
    services.post_edit(actor=world.learner, post=post, body="Second draft")
    post.refresh_from_db()
    assert post.edited_at is not None and "Second draft" in post.body_html
    version = PostVersion.objects.get(post=post)
    assert version.body == "First *draft*" and "<em>draft</em>" in version.body_html
    with pytest.raises(PermissionDenied):
        services.post_edit(actor=world.peer_mentor, post=post, body="Not mine")
    services.post_delete(actor=world.learner, post=post)
    assert Post.objects.get(pk=post.pk).deleted_at is not None
    assert AuditEntry.objects.filter(action="post.delete", target_id=str(post.pk)).exists()
    assert set(Event.objects.filter(subject_type="discussions.post", subject_id=str(post.pk))
               .values_list("verb", flat=True)) == {
        "post_created", "post_edited", "post_deleted"}


def test_markup_is_rendered_and_sanitised_when_saved(world, squads, publish):
    _, threads = publish()
    post = services.post_create(actor=world.learner, thread=threads["Alpha"],
                                body="**Bold** <script>alert(1)</script> [x](javascript:alert(1))")
    assert "<strong>Bold</strong>" in post.body_html
    assert "<script" not in post.body_html and 'href="javascript' not in post.body_html


def test_mentioned_members_get_a_notification_once(
        world, squads, publish, django_capture_on_commit_callbacks):
    from core.models import Notification

    _, threads = publish()
    handle = world.peer_mentor.email.split("@")[0]
    with django_capture_on_commit_callbacks(execute=True):
        post = services.post_create(actor=world.learner, thread=threads["Alpha"],
                                    body=f"What do you think, @{handle}? And @nobody-here?")
    assert f'href="/cohorts/{world.cohort.pk}/#member-{world.peer_mentor.pk}"' in post.body_html
    note = Notification.objects.get(user=world.peer_mentor)
    assert note.kind == "mention" and world.learner.display_name in note.title
    assert note.url.endswith(f"#post-{post.pk}")
    with django_capture_on_commit_callbacks(execute=True):
        services.post_edit(actor=world.learner, post=post, body=f"Still curious, @{handle}.")
    assert Notification.objects.filter(user=world.peer_mentor).count() == 1


def test_posting_is_rate_limited_with_a_clear_message(world, squads, publish):
    _, threads = publish()
    for n in range(services.POST_RATE_LIMIT):
        services.post_create(actor=world.learner, thread=threads["Alpha"], body=f"Thought {n}")
    with pytest.raises(ApplicationError) as raised:
        services.post_create(actor=world.learner, thread=threads["Alpha"], body="One more")
    assert "take a breath" in raised.value.errors["body"][0]

"""The moderation queue on hand-built scenarios: each reason appears with its
text, the order is the one documented in discussions.moderation_queue, learner
moderators see low-risk flags only, and no other organisation's item appears."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from cohorts.models import CohortMembership, CohortRole
from core import policy
from discussions import services
from discussions.models import FlagReason, Post, Prompt, RoleAssignment, Thread
from discussions.moderation_queue import Reason, queue_for
from tests.factories import MembershipFactory, SquadFactory

pytestmark = pytest.mark.django_db

NOW = timezone.now()
HOUR, DAY = dt.timedelta(hours=1), dt.timedelta(days=1)


def open_prompt(world, title: str, *, due_in: dt.timedelta, published_ago: dt.timedelta = DAY,
                cohort=None) -> dict[str | None, Thread]:
    """A published prompt of the cohort, threads by squad name."""
    cohort = cohort or world.cohort
    actor = world.facilitator if cohort == world.cohort else world.hr_admin
    prompt = services.prompt_create(actor=actor, cohort=cohort, title=title, body="Discuss.",
                                    due_at=NOW + due_in)
    threads = services.prompt_publish(actor=actor, prompt=prompt)
    Prompt.objects.filter(pk=prompt.pk).update(published_at=NOW - published_ago, due_at=NOW + due_in)
    return {t.squad.name if t.squad else None: Thread.objects.select_related("prompt").get(pk=t.pk)
            for t in threads}


def post(thread, author, body="I think feedback needs a concrete example.", *, ago=HOUR, parent=None,
         role="") -> Post:
    """A post written `ago` before NOW (made directly: scenarios need their own clock)."""
    return Post.objects.create(thread=thread, author=author, body=body, body_html=f"<p>{body}</p>",
                               word_count=len(body.split()), parent=parent, role=role,
                               created_at=NOW - ago)


def flag(target: Post, reporter, reason=FlagReason.SPAM, *, ago=HOUR):
    created = services.post_flag(actor=reporter, post=target, reason=reason)
    type(created).objects.filter(pk=created.pk).update(created_at=NOW - ago)
    return created


def queue(user):
    policy.forget_roles(user)
    return queue_for(user, now=NOW)


def reasons(items) -> list[tuple[str, int]]:
    return [(item.reason, item.score) for item in items]


def holder(thread, role: str):
    return RoleAssignment.objects.select_related("user").get(thread=thread, role=role).user


# --- each reason ----------------------------------------------------------------------


def test_a_flagged_post_says_how_often_and_why_and_high_risk_ranks_higher(world, squads):
    # Given a post in Alpha's thread flagged as spam twice, one in Beta's as disrespectful once
    threads = open_prompt(world, "Feedback", due_in=3 * DAY)
    spammy = post(threads["Alpha"], world.learner, "Buy my course at example.com", ago=3 * HOUR)
    rude = post(threads["Beta"], squads["beta_members"][0], "That is a stupid idea.", ago=2 * HOUR)
    flag(spammy, world.peer_mentor, FlagReason.SPAM, ago=2 * HOUR)
    flag(spammy, squads["alpha_extra"], FlagReason.OFF_TOPIC, ago=HOUR)
    flag(rude, squads["beta_members"][1], FlagReason.DISRESPECTFUL)

    # When the facilitator opens the queue
    items = queue(world.facilitator)

    # Then the harassment flag comes first (40 + 10 + 30), the double spam flag next (40 + 2 x 10)
    assert reasons(items) == [(Reason.FLAGGED_POST, 80), (Reason.FLAGGED_POST, 60)]
    assert items[0].post == rude and items[0].text == "Flagged 1 time: Disrespectful or harassing."
    assert items[1].post == spammy
    assert items[1].text == "Flagged 2 times: Spam or advertising, Off topic."
    assert [f.reason for f in items[1].flags] == [FlagReason.SPAM, FlagReason.OFF_TOPIC]
    assert all(item.full and item.label == "Flagged post" for item in items)


def test_a_hidden_post_with_open_flags_waits_at_the_bottom_until_its_flags_are_resolved(world, squads):
    threads = open_prompt(world, "Feedback", due_in=3 * DAY)
    rude = post(threads["Alpha"], world.peer_mentor, "That is a stupid idea.")
    flag(rude, world.learner, FlagReason.DISRESPECTFUL)
    services.post_hide(actor=world.facilitator, post=rude)

    [item] = queue(world.facilitator)

    assert (item.reason, item.score) == (Reason.FLAGGED_POST, 10)
    assert item.text.endswith("The post is already hidden; resolve the flags to clear it.")


def test_three_open_flags_in_one_thread_make_it_heated(world, squads):
    threads = open_prompt(world, "Feedback", due_in=3 * DAY)
    first = post(threads["Alpha"], world.learner, "One view.")
    second = post(threads["Alpha"], world.peer_mentor, "Another view.")
    flag(first, world.peer_mentor)
    flag(first, squads["alpha_extra"])
    flag(second, world.learner, FlagReason.OFF_TOPIC)

    items = queue(world.facilitator)

    heated = [item for item in items if item.reason == Reason.HEATED_THREAD]
    assert [(h.thread, h.score, h.text) for h in heated] == [
        (threads["Alpha"], 70, "3 open flags in this thread.")]


def test_rapid_back_and_forth_between_two_people_makes_a_thread_heated(world, squads):
    # Given six posts alternating between the learner and the mentor within 25 minutes
    threads = open_prompt(world, "Feedback", due_in=3 * DAY)
    for number in range(6):
        author = world.learner if number % 2 == 0 else world.peer_mentor
        post(threads["Alpha"], author, f"No, you are wrong ({number})",
             ago=dt.timedelta(minutes=60 - 5 * number))

    [item] = queue(world.facilitator)

    assert (item.reason, item.score, item.thread) == (Reason.HEATED_THREAD, 60, threads["Alpha"])
    assert item.text == ("Rapid back-and-forth: Learner and Mentor posted 6 alternating posts "
                         "in 25 minutes.")
    assert item.label == "Heated thread"


@pytest.mark.parametrize("pattern", ["five posts", "spread over two hours", "a third person cuts in",
                                     "someone posts twice in a row", "more than a week ago"])
def test_a_lively_discussion_is_not_heated(world, squads, pattern):
    threads = open_prompt(world, "Feedback", due_in=3 * DAY)
    learner, mentor, extra = world.learner, world.peer_mentor, squads["alpha_extra"]
    authors = [learner, mentor] * 3
    step, start = dt.timedelta(minutes=5), dt.timedelta(minutes=60)
    if pattern == "five posts":
        authors = authors[:5]
    elif pattern == "spread over two hours":
        step, start = dt.timedelta(minutes=25), dt.timedelta(hours=3)
    elif pattern == "a third person cuts in":
        authors = [learner, mentor, learner, extra, mentor, learner, mentor]
    elif pattern == "someone posts twice in a row":
        authors = [learner, mentor, learner, learner, mentor, learner]
    elif pattern == "more than a week ago":
        start = 8 * DAY
    for number, author in enumerate(authors):
        post(threads["Alpha"], author, f"Point {number}", ago=start - number * step)

    assert [item for item in queue(world.facilitator) if item.reason == Reason.HEATED_THREAD] == []


def test_a_question_unanswered_for_48_hours_appears_until_someone_else_replies(world, squads):
    # Given a learner's question from three days ago, which only they followed up
    threads = open_prompt(world, "Feedback", due_in=5 * DAY, published_ago=4 * DAY)
    beta_member = squads["beta_members"][0]
    question = post(threads["Beta"], beta_member, "How do you ask for feedback without sounding needy?",
                    ago=3 * DAY)
    post(threads["Beta"], beta_member, "Anyone?", ago=2 * DAY, parent=question)
    # and posts that are no question, or too recent, or asked by the facilitator
    post(threads["Beta"], beta_member, "I ask after every meeting.", ago=3 * DAY)
    post(threads["Beta"], squads["beta_members"][1], "Does timing matter?", ago=DAY)
    post(threads["Beta"], world.facilitator, "What did you try this week?", ago=3 * DAY)

    items = [item for item in queue(world.facilitator) if item.reason == Reason.UNANSWERED_QUESTION]

    assert [(item.post, item.score) for item in items] == [(question, 32)]
    assert items[0].text == f"A question from {beta_member.display_name} has had no answer for 3 days."

    # When a squad-mate replies, the question leaves the queue
    post(threads["Beta"], squads["beta_members"][1], "Ask about one specific thing.", ago=HOUR,
         parent=question)
    assert [item for item in queue(world.facilitator) if item.reason == Reason.UNANSWERED_QUESTION] == []


def test_the_questioners_deliverable_counts_as_a_question_even_without_a_question_mark(world, squads):
    threads = open_prompt(world, "Feedback", due_in=5 * DAY, published_ago=4 * DAY)
    questioner = holder(threads["Alpha"], "questioner")
    deliverable = post(threads["Alpha"], questioner, "I wonder what makes feedback land.", ago=5 * DAY,
                       role="questioner")

    [item] = [item for item in queue(world.facilitator) if item.reason == Reason.UNANSWERED_QUESTION]

    # 5 days: 30 + 2 x 3 full days past the first two
    assert (item.post, item.score) == (deliverable, 36)
    assert item.text.startswith(f"The questioner's deliverable from {questioner.display_name}")


def test_missing_deliverables_show_within_24_hours_of_the_due_date(world, squads):
    # Given a prompt due in five hours, where Alpha's summarizer has delivered and nobody else has
    threads = open_prompt(world, "Feedback", due_in=5 * HOUR)
    post(threads["Alpha"], holder(threads["Alpha"], "summarizer"), "We agree on specifics.",
         role="summarizer")

    items = [item for item in queue(world.facilitator) if item.reason == Reason.MISSING_DELIVERABLES]

    by_squad = {item.thread.squad.name: item for item in items}
    assert set(by_squad) == {"Alpha", "Beta"}
    alpha = by_squad["Alpha"]
    assert alpha.score == 40
    assert alpha.text == (
        "2 role deliverables missing, due in 5 hours: "
        f"challenger ({holder(threads['Alpha'], 'challenger').display_name}), "
        f"questioner ({holder(threads['Alpha'], 'questioner').display_name}).")
    assert by_squad["Beta"].text.startswith("3 role deliverables missing, due in 5 hours")


def test_overdue_deliverables_rank_above_due_ones_and_a_later_due_date_is_not_yet_a_concern(world, squads):
    overdue = open_prompt(world, "Last week", due_in=-2 * DAY, published_ago=6 * DAY)
    open_prompt(world, "Next week", due_in=3 * DAY)
    Thread.objects.filter(pk=overdue["Beta"].pk).update(locked_at=NOW)  # a locked thread is dealt with

    items = [item for item in queue(world.facilitator) if item.reason == Reason.MISSING_DELIVERABLES]

    assert [(item.thread, item.score) for item in items] == [(overdue["Alpha"], 45)]
    assert items[0].text.startswith("3 role deliverables missing, overdue by 2 days: ")


def test_a_squad_silent_for_a_week_while_a_prompt_is_open(world, squads):
    # Given a prompt open for three days; Alpha posted yesterday, Beta last posted eight days ago
    threads = open_prompt(world, "Feedback", due_in=2 * DAY, published_ago=3 * DAY)
    earlier = open_prompt(world, "Earlier", due_in=-6 * DAY, published_ago=10 * DAY)
    Thread.objects.filter(pk=earlier["Beta"].pk).update(locked_at=NOW)
    Thread.objects.filter(pk=earlier["Alpha"].pk).update(locked_at=NOW)
    post(threads["Alpha"], world.learner, "Specific and kind.", ago=DAY)
    post(earlier["Beta"], squads["beta_members"][0], "Last word.", ago=8 * DAY)

    items = [item for item in queue(world.facilitator) if item.reason == Reason.SILENT_SQUAD]

    assert [(item.thread, item.score) for item in items] == [(threads["Beta"], 20)]
    assert items[0].text == ("Squad Beta has not posted for 8 days, while \u201cFeedback\u201d has been "
                             "open for 3 days (due in 2 days).")
    assert items[0].label == "Silent squad"


def test_a_squad_is_not_silent_before_the_prompt_has_been_open_two_days_or_without_members(world, squads):
    open_prompt(world, "Just out", due_in=5 * DAY, published_ago=HOUR)
    SquadFactory(cohort=world.cohort, name="Empty")
    open_prompt(world, "Old enough", due_in=5 * DAY, published_ago=3 * DAY)
    for thread in Thread.objects.filter(prompt__title="Old enough").exclude(squad__name="Empty"):
        post(thread, RoleAssignment.objects.filter(thread=thread).first().user, "Here.", ago=DAY)

    assert [item for item in queue(world.facilitator) if item.reason == Reason.SILENT_SQUAD] == []


# --- the order ------------------------------------------------------------------------------


def test_the_queue_is_ranked_by_the_documented_scores(world, squads):
    # Given a week in a cohort with one of everything:
    extra = squads["alpha_extra"]
    # an overdue prompt: Alpha's questioner has not delivered, Beta's thread is locked
    old = open_prompt(world, "Last week", due_in=-DAY, published_ago=8 * DAY)
    Thread.objects.filter(pk=old["Beta"].pk).update(locked_at=NOW)
    for role in ("summarizer", "challenger"):
        post(old["Alpha"], holder(old["Alpha"], role), f"My {role} paragraph.", ago=2 * DAY, role=role)
    hidden = post(old["Alpha"], extra, "Off-topic rant.", ago=2 * DAY)
    flag(hidden, world.learner, FlagReason.OFF_TOPIC, ago=2 * DAY)
    services.post_hide(actor=world.facilitator, post=hidden)
    # an open prompt: Alpha has an unanswered question, a heated exchange, a rude and a spammy post
    new = open_prompt(world, "This week", due_in=2 * DAY, published_ago=4 * DAY)
    question = post(new["Alpha"], extra, "Has anyone tried feedback in writing?", ago=3 * DAY)
    exchange = [post(new["Alpha"], world.learner if n % 2 == 0 else world.peer_mentor, f"Point {n}",
                     ago=dt.timedelta(minutes=50 - 5 * n)) for n in range(6)]
    flag(exchange[1], extra, FlagReason.DISRESPECTFUL, ago=20 * dt.timedelta(minutes=1))
    spam = post(new["Alpha"], extra, "Visit my site.", ago=5 * HOUR)
    flag(spam, world.learner, FlagReason.SPAM, ago=4 * HOUR)
    # and Beta has said nothing all week

    # When the facilitator opens the queue
    items = queue(world.facilitator)

    # Then the items come in the documented order
    assert reasons(items) == [
        (Reason.FLAGGED_POST, 80),          # harassment: 40 + 10 + 30
        (Reason.HEATED_THREAD, 60),         # back-and-forth
        (Reason.FLAGGED_POST, 50),          # spam: 40 + 10
        (Reason.MISSING_DELIVERABLES, 45),  # overdue
        (Reason.UNANSWERED_QUESTION, 32),   # 3 days: 30 + 2
        (Reason.SILENT_SQUAD, 20),
        (Reason.FLAGGED_POST, 10),          # already hidden
    ]
    assert [items[n].post for n in (0, 2, 4, 6)] == [exchange[1], spam, question, hidden]
    assert items[1].thread == new["Alpha"] and items[3].thread == old["Alpha"]
    assert items[5].thread == new["Beta"]


def test_equal_scores_put_the_longest_waiting_first(world, squads):
    threads = open_prompt(world, "Feedback", due_in=3 * DAY)
    newer = post(threads["Alpha"], world.learner, "Newer spam.")
    older = post(threads["Alpha"], world.peer_mentor, "Older spam.")
    flag(newer, squads["alpha_extra"], ago=HOUR)
    flag(older, squads["alpha_extra"], ago=5 * HOUR)

    assert [item.post for item in queue(world.facilitator)] == [older, newer]


# --- who sees what ----------------------------------------------------------------------


def test_a_learner_moderator_sees_only_the_low_risk_flags_of_their_cohort(world, squads):
    # Given the mentor is this week's moderator, and the cohort has all kinds of trouble
    mentor = CohortMembership.objects.get(cohort=world.cohort, user=world.peer_mentor)
    services.moderator_set(actor=world.facilitator, membership=mentor)
    threads = open_prompt(world, "Feedback", due_in=5 * HOUR, published_ago=4 * DAY)
    spam = post(threads["Beta"], squads["beta_members"][0], "Buy now.")
    rude = post(threads["Beta"], squads["beta_members"][1], "You are all idiots.")
    flag(spam, squads["beta_members"][2], FlagReason.SPAM)
    flag(rude, squads["beta_members"][2], FlagReason.DISRESPECTFUL)
    flag(rude, squads["beta_members"][0], FlagReason.OFF_TOPIC)
    post(threads["Alpha"], world.learner, "Any ideas?", ago=3 * DAY)

    # When the moderator opens their queue
    items = queue(world.peer_mentor)

    # Then they see the two posts with low-risk flags, and only those flags, nothing else
    assert [(item.reason, item.post) for item in items] == [(Reason.FLAGGED_POST, spam),
                                                            (Reason.FLAGGED_POST, rude)]
    assert [[f.reason for f in item.flags] for item in items] == [[FlagReason.SPAM], [FlagReason.OFF_TOPIC]]
    assert not any(item.full for item in items)
    # while the facilitator sees the harassment flag and everything else too
    everything = queue(world.facilitator)
    assert {item.reason for item in everything} >= {
        Reason.FLAGGED_POST, Reason.MISSING_DELIVERABLES, Reason.UNANSWERED_QUESTION}


def test_learners_and_moderators_of_another_cohort_have_an_empty_queue(world, squads):
    threads = open_prompt(world, "Feedback", due_in=3 * DAY)
    flag(post(threads["Alpha"], world.learner, "Buy now."), world.peer_mentor)
    assert queue(world.learner) == []
    assert queue(world.outsider) == []
    assert queue(world.expert) == []


def test_hr_admins_see_every_cohort_and_facilitators_only_theirs(world, squads):
    # Given trouble in the facilitator's cohort and in another cohort of the organisation
    MembershipFactory(cohort=world.other_cohort, role=CohortRole.LEARNER)
    writer = MembershipFactory(cohort=world.other_cohort, role=CohortRole.LEARNER).user
    reporter = MembershipFactory(cohort=world.other_cohort, role=CohortRole.LEARNER).user
    theirs = open_prompt(world, "Elsewhere", due_in=3 * DAY, cohort=world.other_cohort)
    elsewhere = post(theirs[None], writer, "Buy now.")
    flag(elsewhere, reporter)
    mine = open_prompt(world, "Here", due_in=3 * DAY)
    here = post(mine["Alpha"], world.learner, "Buy now.")
    flag(here, world.peer_mentor)

    assert {item.post for item in queue(world.facilitator)} == {here}
    assert {item.post for item in queue(world.hr_admin)} == {here, elsewhere}


def test_another_organisations_items_never_appear(world, squads, other_world):
    # Given the same kind of trouble in two organisations
    mine = open_prompt(world, "Here", due_in=5 * HOUR)
    here = post(mine["Alpha"], world.learner, "Buy now.")
    flag(here, world.peer_mentor)
    other_thread = open_prompt(other_world, "There", due_in=5 * HOUR)["Alpha"]
    there = post(other_thread, other_world.learner, "Buy now.")
    flag(there, other_world.peer_mentor)
    MembershipFactory(cohort=other_world.cohort, user=other_world.hr_admin, role=CohortRole.FACILITATOR)

    # Then each side's facilitator and HR admin sees only their own organisation's items
    for viewer, own_cohort in ((world.facilitator, world.cohort), (world.hr_admin, world.cohort),
                               (other_world.facilitator, other_world.cohort),
                               (other_world.hr_admin, other_world.cohort)):
        items = queue(viewer)
        assert items, viewer
        assert {item.cohort for item in items} == {own_cohort}, viewer

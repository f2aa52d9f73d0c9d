"""Nudges and digests at scale: evaluating every rule, and building every digest.

Generates `--learners` learners and peer mentors (50,000) in `--cohorts` cohorts (500)
of five organisations, squads of five, a facilitator each, cohorts in five
timezones, and a week of activity: `--events-per-learner` events per learner with
the mix the discussions, peer review and kudos services emit
(`bench.common.points_history`), inserted as event rows, with a real post row for
each post and reply so the digest can quote them. The nudges read model is then
written as the `nudges.obligations` consumer would leave it after that week:
each member's last activity and first contribution from the events; peer reviews
allocated to a third of the learners (half due within 24 hours); one question in
ten still unanswered after two days; a published assignment needing calibration per
cohort (done by 60%); a micro-task due tomorrow (done by half); no-shows at a live
session (2%). Every house rule runs in automatic mode, so every due nudge becomes
queued messages. Then, on the configured database and broker, with no worker
consuming:

1. `nudges.services.evaluate()` over all organisations: seconds, messages queued and
   messages/s (each rule's messages are rendered, inserted and their send tasks
   enqueued on the broker);
2. the Monday digests: `digests_due()` ranks every cohort's week and enqueues its
   chunk tasks; then every chunk is built here as the workers would
   (`build_chunk`: messages written and their send tasks enqueued): seconds and
   messages/s for the two together.

Usage (PostgreSQL and Redis, as in production):
  DATABASE_URL=postgres://postgres@127.0.0.1:5432/peerloop \\
  CELERY_BROKER_URL=redis://127.0.0.1:6379/0 .venv/bin/python bench/nudges_throughput.py
SQLite and the filesystem broker without the variables. The goal is both parts under
60 s each on the 2-CPU machine.
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import random
import time

from common import CohortPeople, points_history, print_table, scratch_database, setup_django

SQUAD_SIZE = 5
ORGANIZATIONS = 5
TIMEZONES = ["Europe/Berlin", "America/New_York", "Asia/Kolkata", "UTC", "Australia/Sydney"]
# The week of activity: Monday 16 to Sunday 22 November 2026; the evaluation runs
# the next Wednesday morning, the digests go out that Monday.
WEEK_START = dt.datetime(2026, 11, 16, 0, 0, tzinfo=dt.UTC)


def populate(*, learners: int, cohorts: int) -> tuple[list[CohortPeople], dict]:
    """Organisations, cohorts, squads, people, a prompt per cohort with a thread per squad.
    Returns the cohorts' people and {(cohort_id, squad_index): thread_id}."""
    from cohorts.models import Cohort, CohortMembership, CohortRole, Organization, Squad, User
    from discussions.models import Prompt, PromptState, Thread

    orgs = Organization.objects.bulk_create(
        Organization(name=f"Bench {i}", slug=f"bench-{i}") for i in range(ORGANIZATIONS))
    per_cohort = max(SQUAD_SIZE, learners // cohorts)
    result, threads = [], {}
    start_date = (WEEK_START - dt.timedelta(days=14)).date()
    for index in range(cohorts):
        org = orgs[index % ORGANIZATIONS]
        cohort = Cohort.objects.create(organization=org, name=f"Cohort {index}", slug=f"cohort-{index}",
                                       state="active", timezone=TIMEZONES[index % len(TIMEZONES)],
                                       start_date=start_date, end_date=start_date + dt.timedelta(days=60))
        people = User.objects.bulk_create(
            User(email=f"p{index}-{n}@bench.example", full_name=f"Person {index}-{n}", organization=org,
                 timezone=TIMEZONES[(index + n) % len(TIMEZONES)])
            for n in range(per_cohort + 1))
        facilitator, earners = people[0], people[1:]
        squads = Squad.objects.bulk_create(
            Squad(cohort=cohort, name=f"Squad {n}") for n in range(per_cohort // SQUAD_SIZE))
        joined = WEEK_START - dt.timedelta(days=14)
        CohortMembership.objects.bulk_create(
            [CohortMembership(cohort=cohort, user=facilitator, role=CohortRole.FACILITATOR, joined_at=joined)]
            + [CohortMembership(cohort=cohort, user=user, squad=squads[n % len(squads)], joined_at=joined,
                                role=CohortRole.PEER_MENTOR if n % 5 == 4 else CohortRole.LEARNER)
               for n, user in enumerate(earners)])
        prompt = Prompt.objects.create(cohort=cohort, title="What lands with your team?", body="Discuss.",
                                       due_at=WEEK_START + dt.timedelta(days=5), state=PromptState.PUBLISHED,
                                       created_by=facilitator, published_at=WEEK_START)
        made = Thread.objects.bulk_create(Thread(prompt=prompt, squad=squad) for squad in squads)
        grouped = collections.defaultdict(list)
        for n, user in enumerate(earners):
            grouped[n % len(squads)].append(user.pk)
        for squad_index, thread in enumerate(made):
            threads[(cohort.pk, squad_index)] = thread.pk
        result.append(CohortPeople(organization_id=org.pk, cohort_id=cohort.pk,
                                   squads=list(grouped.values()), staff=[facilitator.pk]))
    return result, threads


def insert_posts(history: list[dict], threads: dict) -> int:
    from discussions.models import Post

    rows = []
    for event in history:
        if event["verb"] not in ("post_created", "reply_created"):
            continue
        payload = event["payload"]
        thread = threads[(event["cohort_id"], payload["squad_id"] - 500)]
        body = f"Post {payload['post_id']}: a concrete example from my team, and what I would change."
        rows.append({"id": payload["post_id"], "thread_id": thread, "author_id": payload["author_id"],
                     "parent_id": payload["parent_id"], "body": body, "body_html": f"<p>{body}</p>",
                     "word_count": payload["words"], "role": "", "created_at": event["occurred_at"]})
    # bulk_create, not insert_rows: the posts keep the ids the events name.
    Post.objects.bulk_create((Post(**row) for row in rows), batch_size=2000)
    return len(rows)


def read_model(history: list[dict], cohorts: list[CohortPeople], now: dt.datetime, seed: int = 11) -> dict:
    """The nudges read model as the consumer leaves it after the week (see the docstring)."""
    from cohorts.models import CohortStep
    from core.bulk import insert_rows
    from nudges.models import Activity, CohortTask, Obligation

    rng = random.Random(seed)
    last, first = {}, {}
    for event in history:
        if event["actor_id"] is None:
            continue
        key = (event["cohort_id"], event["actor_id"])
        last[key] = event["occurred_at"]
        if event["verb"] in ("post_created", "reply_created", "review_submitted", "microtask_completed"):
            first.setdefault(key, event["occurred_at"])
    insert_rows(Activity, ({"cohort_id": c, "user_id": u, "last_active_at": at,
                            "first_contribution_at": first.get((c, u))} for (c, u), at in last.items()))
    obligations, tasks = [], []
    for people in cohorts:
        cohort = people.cohort_id
        tasks.append({"cohort_id": cohort, "kind": "calibration", "key": "assignment:1",
                      "title": "calibration for the pitch review", "link": "/peer-review/1/calibrate/",
                      "due_at": now + dt.timedelta(days=4), "opened_at": now - dt.timedelta(days=5)})
        for learner in people.earners:
            roll = rng.random()
            if roll < 1 / 3:
                due = now + dt.timedelta(hours=rng.choice([5, 20, 40, 60]))
                obligations.append({"cohort_id": cohort, "user_id": learner, "kind": "review",
                                    "key": "assignment:1:round:1", "title": "your peer reviews",
                                    "link": "/peer-review/1/", "due_at": due, "pending": 2,
                                    "opened_at": now - dt.timedelta(days=2)})
            if rng.random() < 0.1:
                obligations.append({"cohort_id": cohort, "user_id": learner, "kind": "question",
                                    "key": f"post:{learner}", "title": "your question", "link": "/",
                                    "opened_at": now - dt.timedelta(days=3), "pending": 1})
            if rng.random() < 0.6:
                obligations.append({"cohort_id": cohort, "user_id": learner, "kind": "calibration",
                                    "key": "assignment:1", "opened_at": now - dt.timedelta(days=2),
                                    "done_at": now - dt.timedelta(days=1), "pending": 0})
            if rng.random() < 0.02:
                obligations.append({"cohort_id": cohort, "user_id": learner, "kind": "no_show",
                                    "key": "session:1", "title": "the Tuesday check-in", "link": "/",
                                    "opened_at": now - dt.timedelta(hours=20), "pending": 1})
    insert_rows(CohortTask, tasks)
    steps = CohortStep.objects.bulk_create(
        CohortStep(cohort_id=people.cohort_id, week=3, kind="microtask", title="Ask one customer why",
                   opens_on=(now - dt.timedelta(days=2)).date(), due_on=(now + dt.timedelta(days=1)).date())
        for people in cohorts)
    for step, people in zip(steps, cohorts, strict=True):
        for learner in people.earners:
            if rng.random() < 0.5:
                obligations.append({"cohort_id": people.cohort_id, "user_id": learner, "kind": "microtask",
                                    "key": f"step:{step.pk}", "opened_at": now - dt.timedelta(days=1),
                                    "done_at": now - dt.timedelta(hours=3), "pending": 0})
    insert_rows(Obligation, obligations)
    return {"activity": len(last), "obligations": len(obligations), "steps": len(steps)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--learners", type=int, default=50_000)
    parser.add_argument("--cohorts", type=int, default=500)
    parser.add_argument("--events-per-learner", type=float, default=5.0,
                        help="events per learner in the week of activity")
    args = parser.parse_args()
    setup_django()
    import time_machine
    from django.conf import settings
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from cohorts.models import CohortMembership, Organization
    from config.celery_app import app
    from core.bulk import insert_rows
    from core.models import Event
    from nudges import services
    from nudges.models import Digest, Message, MessageState, Mode, NudgeRule
    from nudges.services import digests
    from tests.worker_process import purge_queue

    app.conf.task_always_eager = False
    broker = settings.CELERY_BROKER_URL.split("://")[0]
    database = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    evaluate_at = WEEK_START + dt.timedelta(days=9, hours=9)  # the next Wednesday, 09:00 UTC
    with scratch_database():
        purge_queue()
        started = time.perf_counter()
        cohorts, threads = populate(learners=args.learners, cohorts=args.cohorts)
        history = points_history(cohorts, events=int(args.learners * args.events_per_learner),
                                 start=WEEK_START, days=7)
        insert_rows(Event, history)
        posts = insert_posts(history, threads)
        model = read_model(history, cohorts, evaluate_at)
        for org in Organization.objects.all():
            services.house_rules_install(org)
        NudgeRule.objects.update(mode=Mode.AUTOMATIC)
        print(f"generated {args.learners:,} learners in {args.cohorts} cohorts, {len(history):,} events, "
              f"{posts:,} posts, {model['activity']:,} activity rows and {model['obligations']:,} "
              f"obligations in {time.perf_counter() - started:.1f} s", flush=True)

        rows = []
        with time_machine.travel(evaluate_at, tick=True), CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            result = services.evaluate()
            seconds = time.perf_counter() - started
        queued = Message.objects.filter(state=MessageState.QUEUED).count()
        rows.append(["evaluate every rule", f"{result.rules}", f"{result.due:,}", f"{queued:,}",
                     len(queries), f"{seconds:.1f}", f"{queued / seconds:,.0f}"])

        monday = WEEK_START + dt.timedelta(days=7, hours=18)  # 09:00 local has passed in every zone
        before = Message.objects.count()
        with time_machine.travel(monday, tick=True), CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            calls = []
            sent = services.digests_due()
            # The chunk tasks are on the broker; build each chunk here, as a worker would.
            for digest in Digest.objects.filter(pk__in=sent).order_by("pk"):
                ids = list(CohortMembership.objects.filter(
                    cohort_id=digest.cohort_id, role__in=digests.READERS).order_by("user_id")
                    .values_list("user_id", flat=True))
                for chunk_start in range(0, len(ids), digests.CHUNK):
                    calls.append((digest.pk, ids[chunk_start:chunk_start + digests.CHUNK]))
            for digest_id, chunk in calls:
                services.digest_chunk_build(digest_id, chunk)
            seconds = time.perf_counter() - started
        built = Message.objects.count() - before
        digest_queued = Message.objects.filter(topic="digest", state=MessageState.QUEUED).count()
        empty = Digest.objects.filter(pk__in=sent, state="empty").count()
        rows.append([f"digests of {len(sent)} cohorts ({empty} empty)", "", f"{len(calls)} chunks",
                     f"{digest_queued:,}",
                     len(queries), f"{seconds:.1f}", f"{built / seconds:,.0f}"])
        purge_queue()
    print_table(f"Nudges and digests for {args.learners:,} learners in {args.cohorts} cohorts "
                f"({database}, {broker} broker, no worker)",
                ["step", "rules", "due", "messages queued", "SQL queries", "seconds", "messages/s"], rows)


if __name__ == "__main__":
    main()

"""Points at scale: the ledger consumer on a real Celery worker, and the leaderboard page.

Generates 5,000 learners and peer mentors in 50 cohorts of 100 (squads of five, a
facilitator each, five organisations, one with its own point rules) and a history
of 100,000 events with the mix the discussions, peer review and kudos services emit
(`bench.common.points_history`), inserted as rows. Then:

1. the first `--sample` events go through `core.events.consume` in this process:
   SQL statements and milliseconds per event spent in `points_apply`, by verb;
2. the rest are dispatched to a real Celery worker running every real consumer
   (`--concurrency` processes): events per second, ledger entries written, and a
   check that totals, weekly points and daily tallies equal the ledger's sums and
   that no daily cap was exceeded;
3. the leaderboard page of a cohort of `--learners` learners (every board): SQL
   queries per request, checked equal to the count at 50 learners, then requests/s,
   p50 and p99 under `wrk` against gunicorn (2 sync workers, DEBUG off, production
   settings), as a learner ranked outside the top ten.

Usage (PostgreSQL and Redis, as in production):
  DATABASE_URL=postgres://postgres@127.0.0.1:5432/peerloop \\
  CELERY_BROKER_URL=redis://127.0.0.1:6379/0 .venv/bin/python bench/points_throughput.py --events 100000
SQLite and the filesystem broker without the variables; part 3 needs `wrk`.
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import os
import random
import shutil
import signal
import tempfile
import time
from pathlib import Path

from common import CohortPeople, points_history, print_table, scratch_database, setup_django

CONSUMER = "gamification.points"
SQUAD_SIZE = 5
ORGANIZATIONS = 5
TIMEZONES = ["Europe/Berlin", "America/New_York", "Asia/Kolkata", "UTC", "Australia/Sydney"]
SMALL_BOARD = 50


def populate(*, learners: int, cohorts: int) -> list[CohortPeople]:
    """Organisations, cohorts, squads and people; every fifth earner is a peer mentor.
    The second organisation pays more for reviews, with its own cap."""
    from cohorts.models import CohortMembership, CohortRole, Squad, User
    from gamification.models import PointRule
    from tests.factories import CohortFactory, OrganizationFactory

    orgs = [OrganizationFactory(name=f"Bench {i}", slug=f"bench-{i}") for i in range(ORGANIZATIONS)]
    PointRule.objects.create(organization=orgs[1], code="peer-review", verb="review_submitted",
                             recipient="reviewer_id", points=12, daily_cap=36, min_words=20,
                             history_text="reviewed a peer's submission")
    per_cohort = max(SQUAD_SIZE, learners // cohorts)
    result = []
    for index in range(cohorts):
        org = orgs[index % ORGANIZATIONS]
        cohort = CohortFactory(organization=org, name=f"Cohort {index}", slug=f"cohort-{index}",
                               timezone=TIMEZONES[index % len(TIMEZONES)])
        people = User.objects.bulk_create(
            User(email=f"p{index}-{n}@bench.example", full_name=f"Person {index}-{n}", organization=org)
            for n in range(per_cohort + 1))
        facilitator, earners = people[0], people[1:]
        squads = Squad.objects.bulk_create(
            Squad(cohort=cohort, name=f"Squad {n}") for n in range(per_cohort // SQUAD_SIZE))
        CohortMembership.objects.bulk_create(
            [CohortMembership(cohort=cohort, user=facilitator, role=CohortRole.FACILITATOR)]
            + [CohortMembership(cohort=cohort, user=user, squad=squads[n % len(squads)],
                                role=CohortRole.PEER_MENTOR if n % 5 == 4 else CohortRole.LEARNER)
               for n, user in enumerate(earners)])
        grouped = collections.defaultdict(list)
        for n, user in enumerate(earners):
            grouped[n % len(squads)].append(user.pk)
        result.append(CohortPeople(organization_id=org.pk, cohort_id=cohort.pk,
                                   squads=list(grouped.values()), staff=[facilitator.pk]))
    return result


def consume_in_process(events: list[dict]) -> list[list[object]]:
    """Consume `events` here through the real path; statements and time inside
    `points_apply`, by verb."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from core.events import consume
    from gamification import services

    real = services.points_apply
    spent: dict[str, list[tuple[int, float]]] = collections.defaultdict(list)

    def measured(event):
        before = len(connection.queries_log)
        started = time.perf_counter()
        result = real(event)
        spent[event.verb].append((len(connection.queries_log) - before, time.perf_counter() - started))
        return result

    services.points_apply = measured  # the consumer looks it up on the module at call time
    try:
        with CaptureQueriesContext(connection):
            for row in events:
                consume(CONSUMER, str(row["id"]))
                connection.queries_log.clear()
    finally:
        services.points_apply = real
    rows = []
    everything = [sample for samples in spent.values() for sample in samples]
    for verb, samples in [*sorted(spent.items()), ("all", everything)]:
        rows.append([verb, len(samples), f"{sum(s for s, _ in samples) / len(samples):.1f}",
                     max(s for s, _ in samples), f"{1000 * sum(t for _, t in samples) / len(samples):.2f}"])
    return rows


def check_aggregates() -> list[str]:
    """Where totals, weekly points or daily tallies differ from the ledger's sums,
    or a tally is over its rule's cap (an empty list when all hold)."""
    from django.db.models import Sum

    from gamification.models import DailyRuleTally, LedgerEntry, PointRule, PointTotal, WeeklyPoints

    problems = []
    ledger = LedgerEntry.objects.order_by()
    totals = {(r["cohort_id"], r["learner_id"]): r["sum"]
              for r in ledger.values("cohort_id", "learner_id").annotate(sum=Sum("points"))}
    stored = {(c, learner): p for c, learner, p in
              PointTotal.objects.values_list("cohort_id", "learner_id", "points")}
    if {k: v for k, v in totals.items() if v} != {k: v for k, v in stored.items() if v}:
        problems.append("PointTotal differs from the ledger")
    weekly = {(r["cohort_id"], r["learner_id"], r["week"]): r["sum"]
              for r in ledger.values("cohort_id", "learner_id", "week").annotate(sum=Sum("points"))}
    stored = {(c, learner, w): p for c, learner, w, p in
              WeeklyPoints.objects.values_list("cohort_id", "learner_id", "week", "points")}
    if {k: v for k, v in weekly.items() if v} != {k: v for k, v in stored.items() if v}:
        problems.append("WeeklyPoints differs from the ledger")
    granted = {(r["learner_id"], r["rule_id"], r["day"]): r["sum"] for r in
               ledger.filter(reverses__isnull=True, rule__daily_cap__isnull=False)
               .values("learner_id", "rule_id", "day").annotate(sum=Sum("points"))}
    stored = {(learner, rule, day): p for learner, rule, day, p in
              DailyRuleTally.objects.values_list("learner_id", "rule_id", "day", "points")}
    if {k: v for k, v in granted.items() if v} != {k: v for k, v in stored.items() if v}:
        problems.append("DailyRuleTally differs from the ledger")
    caps = dict(PointRule.objects.filter(daily_cap__isnull=False).values_list("pk", "daily_cap"))
    over = sum(1 for (_, rule, _), points in stored.items() if points > caps.get(rule, points))
    if over:
        problems.append(f"{over} daily tallies over their cap")
    return problems


def consume_on_worker(events: list[dict], *, concurrency: int) -> tuple[list[object], list[str]]:
    from django.db import transaction

    from core.events import schedule_dispatch
    from core.models import ConsumedEvent
    from gamification.models import LedgerEntry
    from tests.worker_process import purge_queue, running_worker, wait_for

    log = Path(tempfile.mkdtemp()) / "worker.log"
    consumed = ConsumedEvent.objects.filter(consumer=CONSUMER)
    already, entries_before = consumed.count(), LedgerEntry.objects.count()
    purge_queue()
    # Every real consumer and nothing else; the worker is warm before the clock starts.
    with running_worker(concurrency=concurrency, log_path=log, PEERLOOP_CONSUMER_MODULES="",
                        PEERLOOP_TEST_WORKER="0"):
        with transaction.atomic():
            schedule_dispatch(events[0]["id"])
        assert wait_for(lambda: consumed.count() > already, timeout=60), log.read_text()[-3000:]
        started = time.perf_counter()
        with transaction.atomic():  # one task per hundred events, sent on commit as emit() does
            schedule_dispatch(*(row["id"] for row in events[1:]))
        sent = time.perf_counter() - started
        done = wait_for(lambda: consumed.count() >= already + len(events), timeout=3600, interval=0.5)
        elapsed = time.perf_counter() - started
    count = consumed.count() - already - 1
    entries = LedgerEntry.objects.count() - entries_before
    problems = [] if done else [f"timed out: {count} of {len(events) - 1} consumed"]
    if "Traceback" in log.read_text():
        problems.append(f"the worker logged errors, see {log}")
    return ([len(events) - 1, count, f"{sent:.1f}", f"{elapsed:.1f}", f"{count / elapsed:.0f}", entries],
            problems + check_aggregates())


def boards(*, learners: int, organization) -> dict:
    """A cohort of `learners` learners and one of 50, with five weeks of points
    each; the viewer of each is ranked outside the top ten."""
    from django.utils import timezone

    from cohorts.models import CohortMembership, CohortRole, User
    from gamification.models import PointTotal, WeeklyPoints
    from gamification.selectors import this_week
    from tests.factories import CohortFactory

    rng = random.Random(11)
    made = {}
    for size in (learners, SMALL_BOARD):
        cohort = CohortFactory(organization=organization, name=f"Leaderboard {size}", slug=f"board-{size}",
                               start_date=timezone.localdate() - dt.timedelta(weeks=5))
        people = User.objects.bulk_create(
            User(email=f"b{size}-{n}@bench.example", full_name=f"Learner {n:05d}",
                 organization=organization)
            for n in range(size))
        CohortMembership.objects.bulk_create(
            CohortMembership(cohort=cohort, user=user, role=CohortRole.LEARNER) for user in people)
        week = this_week(cohort)
        # Everyone has points this week, so the viewer's own rank is always shown.
        weekly = {(user.pk, week - dt.timedelta(weeks=w)): rng.randint(0 if w else 1, 60)
                  for user in people for w in range(5)}
        WeeklyPoints.objects.bulk_create(
            WeeklyPoints(cohort=cohort, learner_id=pk, week=day, points=points)
            for (pk, day), points in weekly.items())
        totals = collections.Counter()
        for (pk, _), points in weekly.items():
            totals[pk] += points
        PointTotal.objects.bulk_create(
            PointTotal(cohort=cohort, learner_id=pk, points=points) for pk, points in totals.items())
        ranked = sorted(people, key=lambda user: -totals[user.pk])
        made[size] = (cohort, ranked[len(ranked) // 2])
    return made


def leaderboard_queries(made: dict) -> tuple[list[list[object]], dict]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from gamification.selectors import Board

    counts, rows = {}, []
    for size, (cohort, viewer) in made.items():
        client = Client()
        client.force_login(viewer)
        for board in Board.CHOICES:
            url = f"{reverse('gamification:leaderboard', args=[cohort.pk])}?board={board}"
            client.get(url)  # warm caches (templates, content types)
            with CaptureQueriesContext(connection) as captured:
                response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            counts[size, board] = len(captured)
    sizes = sorted(made)
    for board in Board.CHOICES:
        same = len({counts[size, board] for size in sizes}) == 1
        rows.append([board, *(counts[size, board] for size in sizes), "yes" if same else "NO"])
    return rows, {board: counts[max(sizes), board] for board in Board.CHOICES}


def leaderboard_load(made: dict, *, learners: int, duration: int, warmup: int, threads: int,
                     connections: int) -> list[list[object]]:
    from django.db import connection
    from django.test import Client
    from django.urls import reverse
    from http_load import fetch, free_port, run_wrk, serve

    from gamification.selectors import Board
    from tests.worker_process import test_database_url

    cohort, viewer = made[learners]
    client = Client()
    client.force_login(viewer)
    session = client.cookies["sessionid"].value
    connection.close()  # gunicorn's workers open their own
    port = free_port()
    server = serve(port, test_database_url())
    rows = []
    try:
        for board, label in [("trivial", "trivial view"), *Board.CHOICES.items()]:
            path = ("/bench/trivial/" if board == "trivial" else
                    f"{reverse('gamification:leaderboard', args=[cohort.pk])}?board={board}")
            url = f"http://127.0.0.1:{port}{path}"
            status, body = fetch(url, session)
            if status != 200:
                raise SystemExit(f"{label}: HTTP {status}")
            run_wrk(url, session, threads=threads, connections=connections, duration=warmup)
            result = run_wrk(url, session, threads=threads, connections=connections, duration=duration)
            rows.append([label, f"{len(body) / 1024:.0f} KiB", f"{result['rps']:.1f}", f"{result['p50']:.1f}",
                         f"{result['p99']:.1f}", result["errors"], result["socket_errors"] or "none"])
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=100_000, help="events in the generated history")
    parser.add_argument("--learners", type=int, default=5000,
                        help="earners over all cohorts, and the size of the big leaderboard cohort")
    parser.add_argument("--cohorts", type=int, default=50)
    parser.add_argument("--days", type=int, default=42, help="days the history spans")
    parser.add_argument("--sample", type=int, default=2000, help="events consumed in-process and measured")
    parser.add_argument("--concurrency", type=int, default=4, help="worker processes")
    parser.add_argument("--duration", type=int, default=15, help="seconds of wrk load per board")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--skip-worker", action="store_true", help="stop after the in-process sample")
    parser.add_argument("--skip-http", action="store_true", help="leaderboard query counts only, no wrk")
    args = parser.parse_args()
    setup_django()
    from django.conf import settings
    from django.utils import timezone

    from cohorts.models import Organization
    from config.celery_app import app
    from core.bulk import insert_rows
    from core.models import Event

    app.conf.task_always_eager = False
    broker = settings.CELERY_BROKER_URL.split("://")[0]
    database = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    http = not args.skip_http and shutil.which("wrk") is not None
    tables = []
    with scratch_database():
        started = time.perf_counter()
        cohorts = populate(learners=args.learners, cohorts=args.cohorts)
        start = timezone.now() - dt.timedelta(days=args.days)
        history = points_history(cohorts, events=args.events, start=start, days=args.days)
        insert_rows(Event, history)
        print(f"generated {args.learners:,} earners in {args.cohorts} cohorts and {len(history):,} events "
              f"in {time.perf_counter() - started:.1f} s", flush=True)

        sample, rest = history[:args.sample], history[args.sample:]
        tables.append((f"points_apply in-process, first {len(sample):,} events ({database})",
                       ["verb", "events", "statements/event", "max statements", "ms/event"],
                       consume_in_process(sample)))
        problems = []
        if not args.skip_worker and rest:
            row, problems = consume_on_worker(rest, concurrency=args.concurrency)
            tables.append((f"Real consumers on a Celery worker ({database}, {broker} broker, concurrency "
                           f"{args.concurrency})", ["events", "consumed", "send s", "total s", "events/s",
                                                    "ledger entries"], [row]))
        problems = problems or check_aggregates()

        made = boards(learners=args.learners,
                      organization=Organization.objects.get(pk=cohorts[0].organization_id))
        rows, _ = leaderboard_queries(made)
        tables.append(("Leaderboard page: SQL queries per request",
                       ["board", *(f"{size:,} learners" for size in sorted(made)), "same"], rows))
        if http:
            tables.append((f"Leaderboard of {args.learners:,} learners: wrk -t{args.threads} "
                           f"-c{args.connections} -d{args.duration}s against gunicorn (2 sync workers, "
                           f"DEBUG off) on {database}",
                           ["page", "size", "req/s", "p50 ms", "p99 ms", "non-2xx", "socket errors"],
                           leaderboard_load(made, learners=args.learners, duration=args.duration,
                                            warmup=args.warmup, threads=args.threads,
                                            connections=args.connections)))
    for title, headers, rows in tables:
        print_table(title, headers, rows)
    print("\nTotals, weekly points and daily tallies equal the ledger's sums: "
          + ("yes" if not problems else "NO - " + "; ".join(problems)))
    if not http and not args.skip_http:
        print("Leaderboard load skipped: wrk is not installed (apt-get install -y wrk).")


if __name__ == "__main__":
    main()

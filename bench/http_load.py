"""Requests per second for the discussions pages under load, beside a trivial view.

Generates a cohort of 200 learners whose squad thread holds 1,000 replies to
the prompt (800 posts and 200 replies under them, paragraph-length Markdown)
and a cohort feed of 10,000 items, then serves it with gunicorn (2 sync
workers, DEBUG off, the production settings) and drives each page with
`wrk -t2 -c8 -d15s` after a warm-up, as a signed-in learner (the moderation
queue as the facilitator). Prints requests/s, p50 and p99, errors and each
page's ratio to the trivial view (a fixed small HTML string through the same
middleware).

Usage: .venv/bin/python bench/http_load.py [--duration 15] [--connections 8]
SQLite unless DATABASE_URL is set; needs `wrk` (Debian package wrk).
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request

from common import ROOT, print_table, scratch_database, setup_django

LEARNERS = 200
SQUAD_SIZE = 5
THREAD_POSTS = 800
THREAD_REPLIES = 200
FEED_ITEMS = 10_000
FLAGGED_POSTS = 120

PARAGRAPHS = [
    "Feedback lands when it names **one behaviour** and its effect. Last sprint I told a "
    "colleague that her summary at the start of the review saved us twenty minutes, and she "
    "has opened every review that way since.",
    "I disagree a little: naming the effect only works when the other person *sees* the same "
    "effect. When I said a design review ran long because of side topics, the owner thought "
    "the side topics were the point. We needed to agree on the goal first.",
    "Question for the squad: how do you give feedback on writing without rewriting it? I keep "
    "sending back edited drafts, and people read that as `do it my way`.",
    "Summary so far: be specific, tie it to an outcome, ask before advising. Two open points: "
    "feedback upward, and feedback in writing. See [the guide](https://example.com/feedback).",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def generate() -> dict:
    """The cohort, its busy thread, the feed and a moderation queue; returns what
    the load needs (URLs and the session cookies of the learner and facilitator)."""
    from django.test import Client
    from django.utils import timezone

    from cohorts.models import CohortMembership, CohortRole, Squad, User
    from core.markdown import render_markdown, word_count
    from discussions import services
    from discussions.models import Endorsement, FeedItem, FeedKind, Flag, FlagReason, Post, Thread
    from tests.conftest import build_world

    rng = random.Random(7)
    world = build_world("bench")
    squads = Squad.objects.bulk_create(
        Squad(cohort=world.cohort, name=f"Squad {i}") for i in range(1, LEARNERS // SQUAD_SIZE))
    learners = User.objects.bulk_create(
        User(email=f"learner{i}@bench.example", full_name=f"Learner {i}", organization=world.org)
        for i in range(LEARNERS - 1))
    CohortMembership.objects.bulk_create(
        CohortMembership(cohort=world.cohort, user=user, role=CohortRole.LEARNER,
                         squad=world.squad if i < SQUAD_SIZE - 2 else squads[i % len(squads)])
        for i, user in enumerate(learners))
    prompt = services.prompt_create(
        actor=world.facilitator, cohort=world.cohort, title="What makes feedback land?",
        body="Share one piece of feedback that changed how you work.",
        due_at=timezone.now() + dt.timedelta(days=2))
    services.prompt_publish(actor=world.facilitator, prompt=prompt)
    thread = Thread.objects.get(prompt=prompt, squad=world.squad)
    squad_people = [world.learner, world.peer_mentor, *learners[:SQUAD_SIZE - 2]]

    rendered = [(text, render_markdown(text), word_count(text)) for text in PARAGRAPHS]
    start = timezone.now() - dt.timedelta(days=6)
    authors = itertools.cycle(squad_people)

    def post(i: int, parent=None) -> Post:
        body, html, words = rendered[i % len(rendered)]
        return Post(thread=thread, author=next(authors), parent=parent, body=body, body_html=html,
                    word_count=words, created_at=start + dt.timedelta(minutes=i))

    tops = Post.objects.bulk_create(post(i) for i in range(THREAD_POSTS))
    replies = Post.objects.bulk_create(
        post(THREAD_POSTS + i, parent=rng.choice(tops)) for i in range(THREAD_REPLIES))
    Endorsement.objects.bulk_create(
        Endorsement(post=p, user=u, text="Clear and kind.")
        for p in rng.sample(tops, 300) for u in rng.sample(squad_people, 2) if u.pk != p.author_id)
    Flag.objects.bulk_create(
        Flag(post=p, reporter=rng.choice([u for u in squad_people if u.pk != p.author_id]),
             reason=rng.choice(list(FlagReason)), note="Please have a look.")
        for p in rng.sample(tops + replies, FLAGGED_POSTS))

    everyone = [world.learner, world.peer_mentor, *learners]
    kinds = [FeedKind.POST, FeedKind.ENDORSEMENT, FeedKind.POST, FeedKind.TOP_TAKE]
    FeedItem.objects.bulk_create(
        FeedItem(cohort=world.cohort, kind=kinds[i % len(kinds)], actor=everyone[i % len(everyone)],
                 post=tops[i % len(tops)], text=PARAGRAPHS[i % len(PARAGRAPHS)][:200],
                 created_at=start + dt.timedelta(seconds=30 * i))
        for i in range(FEED_ITEMS))

    def session_of(user) -> str:
        client = Client()
        client.force_login(user)
        return client.cookies["sessionid"].value

    from django.urls import reverse

    return {
        "pages": [
            ("trivial view", "/bench/trivial/", "learner"),
            ("thread page (1,000 replies)", reverse("discussions:thread", args=[thread.pk]), "learner"),
            ("cohort feed (10,000 items)", reverse("discussions:feed", args=[world.cohort.pk]), "learner"),
            ("moderation queue", reverse("discussions:moderation"), "facilitator"),
        ],
        "sessions": {"learner": session_of(world.learner), "facilitator": session_of(world.facilitator)},
    }


def serve(port: int, database_url: str) -> subprocess.Popen:
    """gunicorn on the production settings, with static files collected as a
    deployment would (the manifest storage needs them)."""
    from django.conf import settings

    static_root = ROOT / "var" / "bench-static"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": database_url,
        # the sessions were signed in this process
        "SECRET_KEY": settings.SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "STATIC_ROOT": str(static_root),
        "PYTHONPATH": str(ROOT),
    }
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env,
                   check=True)
    gunicorn = [sys.executable, "-m", "gunicorn", "config.wsgi", "--workers", "2", "--worker-class",
                "sync", "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "--error-logfile", "-"]
    proc = subprocess.Popen(gunicorn, cwd=ROOT, env=env, start_new_session=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return proc
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit("gunicorn did not start within 30 s")


def fetch(url: str, session: str) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers={"Cookie": f"sessionid={session}"})  # noqa: S310 - loopback http
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        return response.status, response.read()


WRK_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(number) * WRK_UNITS[unit]


def run_wrk(url: str, session: str, *, threads: int, connections: int, duration: int) -> dict:
    out = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency",
         "-H", f"Cookie: sessionid={session}", url],
        check=True, capture_output=True, text=True).stdout
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", out, re.M))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)$", out, re.M)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
        "p50": _ms(latency["50"]), "p99": _ms(latency["99"]),
        "errors": int(non_2xx.group(1)) if non_2xx else 0,
        "socket_errors": socket_errors.group(1) if socket_errors else "",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=15, help="seconds of load per page")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of warm-up load per page")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install -y wrk")
    setup_django()
    from tests.worker_process import test_database_url

    with scratch_database():
        print("generating data ...", flush=True)
        started = time.perf_counter()
        data = generate()
        print(f"generated in {time.perf_counter() - started:.1f} s", flush=True)
        from django.db import connection

        connection.close()  # gunicorn's workers open their own
        port = free_port()
        server = serve(port, test_database_url())
        try:
            rows, trivial = [], None
            for name, path, who in data["pages"]:
                url = f"http://127.0.0.1:{port}{path}"
                status, body = fetch(url, data["sessions"][who])
                if status != 200:
                    raise SystemExit(f"{name}: HTTP {status}")
                run_wrk(url, data["sessions"][who], threads=args.threads, connections=args.connections,
                        duration=args.warmup)
                result = run_wrk(url, data["sessions"][who], threads=args.threads,
                                 connections=args.connections, duration=args.duration)
                trivial = trivial or result["rps"]
                rows.append([name, f"{len(body) / 1024:.0f} KiB", f"{result['rps']:.1f}",
                             f"{result['p50']:.1f}", f"{result['p99']:.1f}",
                             f"{result['rps'] / trivial:.3f}",
                             result["errors"], result["socket_errors"] or "none"])
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
    engine = "PostgreSQL" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "SQLite"
    print_table(
        f"wrk -t{args.threads} -c{args.connections} -d{args.duration}s against gunicorn "
        f"(2 sync workers, DEBUG off) on {engine}",
        ["page", "size", "req/s", "p50 ms", "p99 ms", "ratio to trivial", "non-2xx", "socket errors"],
        rows)


if __name__ == "__main__":
    main()

"""Events per second through a no-op consumer on a real Celery worker, and what
a worker killed with SIGKILL mid-batch leaves behind (unconsumed / consumed twice).

Usage (Redis, as in production):
  DATABASE_URL=postgres://postgres@127.0.0.1:5432/peerloop \\
  CELERY_BROKER_URL=redis://127.0.0.1:6379/0 .venv/bin/python bench/event_throughput.py --events 5000
"""

from __future__ import annotations

import argparse
import os
import signal
import tempfile
import time
from pathlib import Path

from common import print_table, scratch_database, setup_django


def emit_batch(org, verb: str, count: int, batch: int = 500) -> list[str]:
    from django.db import transaction

    from core.events import emit

    ids = []
    for start in range(0, count, batch):
        with transaction.atomic():
            ids.extend(str(emit(verb, organization=org, payload={"n": n}).pk)
                       for n in range(start, min(count, start + batch)))
    return ids


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=5000, help="events through the no-op consumer")
    parser.add_argument("--kill-events", type=int, default=1000, help="events in the SIGKILL batch")
    parser.add_argument("--concurrency", type=int, default=2)
    args = parser.parse_args()
    setup_django()
    from django.conf import settings

    from bench.consumers import COUNTED_VERB, NOOP_VERB
    from cohorts.models import Organization
    from config.celery_app import app
    from core.models import AuditEntry, ConsumedEvent
    from tests.worker_process import purge_queue, running_worker, wait_for

    app.conf.task_always_eager = False
    broker = settings.CELERY_BROKER_URL.split("://")[0]
    database = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    log = Path(tempfile.mkdtemp()) / "worker.log"
    env = {"PEERLOOP_CONSUMER_MODULES": "bench.consumers", "PEERLOOP_TEST_WORKER": "0"}
    rows = []
    with scratch_database():
        purge_queue()
        org = Organization.objects.create(name="Bench", slug="bench")
        with running_worker(concurrency=args.concurrency, log_path=log, **env):
            # Warm up: the worker is ready once it consumes one event.
            emit_batch(org, NOOP_VERB, 1)
            assert wait_for(lambda: ConsumedEvent.objects.filter(consumer="bench.noop").count() == 1,
                            timeout=60), log.read_text()[-2000:]
            started = time.perf_counter()
            emit_batch(org, NOOP_VERB, args.events)
            emitted = time.perf_counter() - started
            done = wait_for(lambda: ConsumedEvent.objects.filter(consumer="bench.noop").count()
                            >= args.events + 1, timeout=1800, interval=0.25)
            elapsed = time.perf_counter() - started
        consumed = ConsumedEvent.objects.filter(consumer="bench.noop").count() - 1
        rows.append(["no-op consumer", args.events, consumed, f"{emitted:.1f}", f"{elapsed:.1f}",
                     f"{consumed / elapsed:.0f}" if done else "timed out"])

        if broker == "redis":
            kill_env = {**env, "BENCH_CONSUMER_DELAY": "0.005", "CELERY_VISIBILITY_TIMEOUT": "5"}
            applied = AuditEntry.objects.filter(action="bench.applied")
            with running_worker(concurrency=args.concurrency, log_path=log, **kill_env) as worker:
                ids = emit_batch(org, COUNTED_VERB, args.kill_events)
                wait_for(lambda: applied.count() >= args.kill_events // 4, timeout=300)
                os.killpg(worker.pid, signal.SIGKILL)
                worker.wait(timeout=10)
            at_kill = applied.count()
            with running_worker(concurrency=args.concurrency, log_path=log, **kill_env):
                wait_for(lambda: applied.count() >= args.kill_events, timeout=600)
                time.sleep(8)  # past the visibility timeout: late redeliveries would show now
            counts = {}
            for target in applied.values_list("target_id", flat=True):
                counts[target] = counts.get(target, 0) + 1
            missing = sum(1 for i in ids if i not in counts)
            twice = sum(1 for n in counts.values() if n > 1)
            print_table("Worker killed with SIGKILL mid-batch", ["events", "applied at kill",
                        "applied in the end", "unconsumed", "consumed twice"],
                        [[args.kill_events, at_kill, applied.count(), missing, twice]])
        else:
            print("\nSIGKILL check skipped: it needs Redis (the filesystem broker cannot redeliver).")
    print_table(f"Event path throughput ({database}, {broker} broker, worker concurrency "
                f"{args.concurrency})", ["consumer", "events", "consumed", "emit s", "total s", "events/s"],
                rows)


if __name__ == "__main__":
    main()

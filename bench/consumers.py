"""Consumers for the event-path benchmark, loaded by the benchmark's worker via
PEERLOOP_CONSUMER_MODULES=bench.consumers."""

import os
import time

from core.events import consumer
from core.models import AuditEntry

NOOP_VERB = "bench_noop"
COUNTED_VERB = "bench_counted"


@consumer("bench.noop", verbs=[NOOP_VERB])
def do_nothing(event):
    """Measures the event path itself: fan-out, the consumed-marker, acks."""


@consumer("bench.counter", verbs=[COUNTED_VERB])
def count_application(event):
    """One row per application (no unique key), so a double application shows."""
    delay = float(os.environ.get("BENCH_CONSUMER_DELAY", "0"))
    if delay:
        time.sleep(delay)
    AuditEntry.objects.create(organization_id=event.organization_id, action="bench.applied",
                              target_type="core.event", target_id=str(event.pk))

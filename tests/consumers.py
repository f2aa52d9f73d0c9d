"""An event consumer for the event-path tests. The test process registers it
with the `recorder` fixture; a worker started by a test imports this module
through PEERLOOP_CONSUMER_MODULES, which registers it there."""

import os
import time

from core.events import ALL_VERBS, consumer
from core.models import AuditEntry

NAME = "tests.recorder"


def record_event(event):
    """An effect in the same transaction as the consumed-marker: one audit row
    per application, so applying an event twice would show as two rows."""
    delay = float(os.environ.get("PEERLOOP_TEST_CONSUMER_DELAY", "0"))
    if delay:
        time.sleep(delay)
    AuditEntry.objects.create(
        organization_id=event.organization_id,
        action="tests.consumed",
        target_type="core.event",
        target_id=str(event.pk),
    )


def register() -> None:
    consumer(NAME, verbs=[ALL_VERBS])(record_event)


def applied_count(event_id) -> int:
    return AuditEntry.objects.filter(action="tests.consumed", target_id=str(event_id)).count()


def applied_total() -> int:
    return AuditEntry.objects.filter(action="tests.consumed").count()


# Only a worker started by the tests registers on import; the test process
# registers per test through the `recorder` fixture.
if os.environ.get("PEERLOOP_TEST_WORKER") == "1":
    register()

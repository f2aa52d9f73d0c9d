"""Demo nudges: every demo organisation gets the house rules and its delivery
settings; the demo's events are applied to the nudges read model and session
messages at once (the worker would, a moment later, and then finds them applied),
and the rules run once, so the delivery log, the approval queue and the bell show
what is due in the demo cohort straight away. The beat then runs them every 15
minutes."""

from __future__ import annotations

from cohorts.models import Organization
from core.events import consume, unconsumed_events

from . import services

CONSUMERS = ("nudges.obligations", "nudges.sessions")


def load_demo() -> dict[str, int]:
    for name in CONSUMERS:
        for event_id in list(unconsumed_events(name).values_list("pk", flat=True)):
            consume(name, str(event_id))
    for organization in Organization.objects.all():
        services.house_rules_install(organization)
    result = services.evaluate()
    return {"nudges queued": result.queued, "nudges proposed": result.proposed}

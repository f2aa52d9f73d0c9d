"""The gamification app's event consumer: points for what learners do, taking them
back when the content is removed, and the badges the event completes. The only way
points and awards are written."""

from core.events import consumer

from . import services
from .verbs import CONSUMED_VERBS


@consumer("gamification.points", verbs=CONSUMED_VERBS)
def award_points(event) -> None:
    entries = services.points_apply(event)
    services.badges_apply(event, entries)  # after the points: a points badge reads the new total

"""The gamification app's event consumer: points for what learners do, and taking
them back when the content is removed. The only way points are written."""

from core.events import consumer

from . import services
from .verbs import CONSUMED_VERBS


@consumer("gamification.points", verbs=CONSUMED_VERBS)
def award_points(event) -> None:
    services.points_apply(event)

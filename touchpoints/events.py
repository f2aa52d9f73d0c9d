"""Event verbs the touchpoints app emits. The nudges app consumes them to send the
invitation (with `touchpoints.ics` attached), the reminders and the no-show follow-up."""


class TouchpointVerb:
    EVENT_SCHEDULED = "event_scheduled"
    EVENT_UPDATED = "event_updated"
    EVENT_CANCELLED = "event_cancelled"
    RSVP_CHANGED = "rsvp_changed"
    ATTENDANCE_RECORDED = "attendance_recorded"

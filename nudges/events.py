"""Event verbs the nudges app emits (consumed by analytics)."""


class NudgeVerb:
    NUDGE_SENT = "nudge_sent"
    NUDGE_SUPPRESSED = "nudge_suppressed"
    DIGEST_SENT = "digest_sent"
    NUDGE_APPROVED = "nudge_approved"
    NUDGE_SKIPPED = "nudge_skipped"

"""Event verbs the peer review app emits (consumed by gamification, nudges and
analytics). Payloads carry the assignment, cohort and the people involved, so
consumers need no lookups."""


class PeerReviewVerb:
    RUBRIC_PUBLISHED = "rubric_published"
    ASSIGNMENT_PUBLISHED = "assignment_published"
    SUBMISSION_CREATED = "submission_created"
    SUBMISSION_REVISED = "submission_revised"
    CALIBRATION_COMPLETED = "calibration_completed"
    REVIEW_ALLOCATED = "review_allocated"
    REVIEW_SUBMITTED = "review_submitted"
    REVIEW_REALLOCATED = "review_reallocated"
    GRADE_FINALISED = "grade_finalised"
    USEFULNESS_RATED = "usefulness_rated"
    CHECKPOINT_REQUESTED = "checkpoint_requested"
    CHECKPOINT_RESOLVED = "checkpoint_resolved"
    DISPUTE_OPENED = "dispute_opened"
    DISPUTE_RESOLVED = "dispute_resolved"

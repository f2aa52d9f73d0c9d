"""Writes of the peer review app, one module per subject; import from here."""

from .assignments import (
    assignment_create,
    assignment_publish,
    assignment_update,
    example_create,
    example_score,
    scored_examples,
)
from .grades import checkpoint_resolve, dispute_open, dispute_resolve, grade_submissions, reviews_close
from .reviewing import (
    calibration_done,
    calibration_examples_for,
    calibration_submit,
    records_refresh,
    review_submit,
    reviews_allocate,
    reviews_reallocate_overdue,
    usefulness_rate,
)
from .rubrics import rubric_create, rubric_criteria_data, rubric_publish, rubric_update
from .submissions import ALLOWED_EXTENSIONS, MAX_ATTACHMENT_BYTES, MAX_ATTACHMENTS, submission_save

__all__ = [
    "ALLOWED_EXTENSIONS",
    "MAX_ATTACHMENTS",
    "MAX_ATTACHMENT_BYTES",
    "assignment_create",
    "assignment_publish",
    "assignment_update",
    "calibration_done",
    "calibration_examples_for",
    "calibration_submit",
    "checkpoint_resolve",
    "dispute_open",
    "dispute_resolve",
    "example_create",
    "example_score",
    "grade_submissions",
    "records_refresh",
    "review_submit",
    "reviews_allocate",
    "reviews_close",
    "reviews_reallocate_overdue",
    "rubric_create",
    "rubric_criteria_data",
    "rubric_publish",
    "rubric_update",
    "scored_examples",
    "submission_save",
    "usefulness_rate",
]

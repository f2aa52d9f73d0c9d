"""Writes for submissions: submit and resubmit inside the window, with attachments;
every version is kept with its time. Late work (after the submission window, before
the review window ends) is accepted once and still gets reviewers."""

from __future__ import annotations

import mimetypes
from pathlib import PurePath

from django.db import transaction
from django.utils import timezone

from core import audit
from core.errors import invalid
from core.events import emit
from core.markdown import render_markdown, word_count
from core.policy import require

from ..events import PeerReviewVerb
from ..models import Assignment, Submission, SubmissionAttachment, SubmissionVersion
from .assignments import assignment_changed

MAX_WORDS = 5000
MAX_ATTACHMENTS = 5
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
# Documents and images a reviewer can open without running anything.
ALLOWED_EXTENSIONS = {
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".txt": "text/plain",
    ".md": "text/markdown",
    ".csv": "text/csv",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}


def _check_attachments(files, kept: int) -> list[str]:
    errors = []
    if len(files) + kept > MAX_ATTACHMENTS:
        errors.append(f"Attach at most {MAX_ATTACHMENTS} files.")
    for upload in files:
        name = PurePath(upload.name or "").name
        extension = PurePath(name).suffix.lower()
        if extension not in ALLOWED_EXTENSIONS:
            allowed = ", ".join(sorted(ALLOWED_EXTENSIONS))
            errors.append(f"\u201c{name}\u201d is not an accepted file type ({allowed}).")
        elif upload.size > MAX_ATTACHMENT_BYTES:
            errors.append(f"\u201c{name}\u201d is larger than {MAX_ATTACHMENT_BYTES // (1024 * 1024)} MB.")
        elif upload.size == 0:
            errors.append(f"\u201c{name}\u201d is empty.")
    return errors


@transaction.atomic
def submission_save(
    *, actor, assignment: Assignment, body: str, attachments=(), remove_attachment_ids=(), now=None
) -> Submission:
    """Submit, or resubmit as a new version. Earlier versions stay as they were;
    attachments carry over to the new version unless listed in ``remove_attachment_ids``."""
    require(actor, "assignment.participate", assignment)
    now = now or timezone.now()
    body = body or ""
    attachments = list(attachments)
    words = word_count(body)
    submission = Submission.objects.select_for_update().filter(assignment=assignment, author=actor).first()
    if now < assignment.submission_opens_at:
        raise invalid(
            body=f"Submissions open on {timezone.localtime(assignment.submission_opens_at):%d %b %Y, %H:%M}."
        )
    if now > assignment.review_due_at:
        raise invalid(body="This assignment has closed.")
    if now > assignment.submission_due_at and submission is not None:
        raise invalid(body="The submission window has closed; your last version is the one reviewed.")
    errors = {}
    if words == 0:
        errors["body"] = "Write your submission (Markdown is fine)."
    elif words > MAX_WORDS:
        errors["body"] = f"Keep it under {MAX_WORDS} words (you have {words})."
    previous_files = []
    if submission is not None:
        current = submission.versions.get(number=submission.version)
        previous_files = [a for a in current.attachments.all() if a.pk not in set(remove_attachment_ids)]
    if problems := _check_attachments(attachments, len(previous_files)):
        errors["attachments"] = " ".join(problems)
    if errors:
        raise invalid(**errors)

    created = submission is None
    if created:
        submission = Submission.objects.create(
            assignment=assignment,
            author=actor,
            version=1,
            late=now > assignment.submission_due_at,
            created_at=now,
            updated_at=now,
        )
    else:
        submission.version += 1
        submission.updated_at = now
        submission.save(update_fields=["version", "updated_at"])
    version = SubmissionVersion.objects.create(
        submission=submission,
        number=submission.version,
        body=body,
        body_html=render_markdown(body),
        word_count=words,
        created_at=now,
    )
    for old in previous_files:
        SubmissionAttachment.objects.create(
            version=version, file=old.file.name, name=old.name, size=old.size, content_type=old.content_type
        )
    for upload in attachments:
        name = PurePath(upload.name).name[:200]
        extension = PurePath(name).suffix.lower()
        SubmissionAttachment.objects.create(
            version=version,
            file=upload,
            name=name,
            size=upload.size,
            content_type=ALLOWED_EXTENSIONS.get(extension)
            or mimetypes.guess_type(name)[0]
            or "application/octet-stream",
        )
    assignment_changed(assignment.pk)
    cohort = assignment.cohort
    audit.record(
        actor=actor,
        action="submission.create" if created else "submission.revise",
        target=submission,
        organization=cohort.organization,
        changes={"version": [None if created else submission.version - 1, submission.version]},
    )
    emit(
        PeerReviewVerb.SUBMISSION_CREATED if created else PeerReviewVerb.SUBMISSION_REVISED,
        organization=cohort.organization,
        actor=actor,
        cohort=cohort,
        subject=submission,
        payload={
            "assignment_id": assignment.pk,
            "submission_id": submission.pk,
            "author_id": actor.pk,
            "version": submission.version,
            "word_count": words,
            "late": submission.late,
            "attachments": len(previous_files) + len(attachments),
        },
    )
    if created and submission.late and assignment.allocated_at is not None:
        # Reviews were already handed out: give this one reviewers (and its author work) now.
        from ..tasks import allocate_assignment_task

        assignment_id = assignment.pk
        transaction.on_commit(lambda: allocate_assignment_task.delay(assignment_id))
    return submission

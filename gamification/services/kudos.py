"""Kudos: a member of a cohort thanks a peer of the same cohort with a short, plain
message. It shows on the recipient's page and is an event (points for the recipient
by default). Rate limited, counted in the database so every web process agrees."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from cohorts.models import Cohort, CohortMembership, User
from core import audit
from core.errors import invalid
from core.events import emit
from core.policy import require

from ..events import GamificationVerb
from ..models import Kudos

KUDOS_MAX_LENGTH = Kudos._meta.get_field("message").max_length  # 280
# Rolling windows, not calendar days, so there is no midnight burst.
KUDOS_WINDOW = timedelta(hours=24)
KUDOS_PER_SENDER_LIMIT = 5  # kudos one person sends in KUDOS_WINDOW, across all cohorts
KUDOS_PER_RECIPIENT_LIMIT = 1  # kudos one person sends the same peer in KUDOS_WINDOW

# Plain text: no control characters (new lines and tabs are fine) and no HTML tags.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_HTML_TAG = re.compile(r"<\s*/?\s*[a-zA-Z!][^>]*>")


def _clean_message(message: str) -> str:
    # Browsers send a textarea's new lines as \r\n; count each as one character, as
    # the textarea's maxlength does.
    message = (message or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if not message:
        raise invalid(message="Write a short thank-you first.")
    if len(message) > KUDOS_MAX_LENGTH:
        raise invalid(message=f"Keep kudos short: {KUDOS_MAX_LENGTH} characters at most "
                              f"(this one has {len(message)}).")
    if _CONTROL_CHARACTERS.search(message):
        raise invalid(message="Kudos are plain text: remove the control characters.")
    if _HTML_TAG.search(message):
        raise invalid(message="Kudos are plain text: leave out HTML tags such as <b>.")
    return message


def _check_recipient(*, actor, recipient: User, cohort: Cohort) -> None:
    if recipient.pk == actor.pk:
        raise invalid(recipient="You cannot send kudos to yourself; thank a peer instead.")
    # Worded the same for a stranger and another organisation's person, so the answer
    # does not tell whether such a person exists.
    is_member = (
        recipient.is_active
        and recipient.organization_id == cohort.organization_id
        and CohortMembership.objects.filter(cohort=cohort, user=recipient).exists()
    )
    if not is_member:
        raise invalid(recipient=f"Choose an active member of {cohort.name} to thank.")


def _check_rate_limits(*, actor, recipient: User, now: datetime) -> None:
    since = now - KUDOS_WINDOW
    sent = Kudos.objects.filter(sender=actor, created_at__gt=since)
    if sent.count() >= KUDOS_PER_SENDER_LIMIT:
        raise invalid(message=f"You have sent {KUDOS_PER_SENDER_LIMIT} kudos in the last 24 hours; "
                              "you can send more tomorrow.")
    if sent.filter(recipient=recipient).count() >= KUDOS_PER_RECIPIENT_LIMIT:
        raise invalid(recipient=f"You already thanked {recipient.display_name} in the last 24 hours; "
                                "you can thank them again tomorrow.")


@transaction.atomic
def kudos_give(*, actor, recipient: User, cohort: Cohort, message: str, now: datetime | None = None) -> Kudos:
    """`actor` thanks `recipient`, a fellow member of `cohort`, with a short message."""
    require(actor, "kudos.give", cohort)
    now = now or timezone.now()
    _check_recipient(actor=actor, recipient=recipient, cohort=cohort)
    message = _clean_message(message)
    # Lock the sender's row before counting: two requests of the same sender (a double
    # click, two tabs, two API clients) would otherwise both count 4 and both send,
    # ending at 6. The second waits here until the first commits, then counts 5.
    # Other senders are not held up. (SQLite takes the write lock at BEGIN anyway.)
    User.objects.select_for_update().filter(pk=actor.pk).order_by().values_list("pk", flat=True).first()
    _check_rate_limits(actor=actor, recipient=recipient, now=now)
    kudos = Kudos(cohort=cohort, sender=actor, recipient=recipient, message=message, created_at=now)
    kudos.full_clean()
    kudos.save()
    audit.record(actor=actor, action="kudos.give", target=kudos, organization=cohort.organization,
                 changes={"recipient": [None, recipient.pk], "message": [None, message]})
    emit(GamificationVerb.KUDOS_GIVEN, organization=cohort.organization, actor=actor, cohort=cohort,
         subject=kudos, payload={"kudos_id": kudos.pk, "recipient_id": recipient.pk, "sender_id": actor.pk,
                                 "words": len(message.split())})
    return kudos

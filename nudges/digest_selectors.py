"""Reads for the digest pages: a cohort's archive and one digest, for the people who
may see the cohort (members, its facilitators, HR admins and analysts)."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404

from cohorts.models import Cohort
from core import policy

from .models import Digest, DigestState

ARCHIVE_STATES = (DigestState.SENT,)


def cohort_for_digests(user, pk: int) -> Cohort:
    cohort = get_object_or_404(Cohort.objects.select_related("organization"), pk=pk)
    if not policy.allows(user, "cohort.view", cohort):
        raise Http404
    return cohort


def archive(cohort: Cohort) -> list[Digest]:
    return list(Digest.objects.filter(cohort=cohort, state__in=ARCHIVE_STATES).order_by("-week_start")
                .only("pk", "week_start", "sent_at", "items", "recipients", "intro", "cohort_id"))


def digest_get(user, pk: int) -> Digest:
    digest = get_object_or_404(Digest.objects.select_related("cohort__organization"), pk=pk)
    if not policy.allows(user, "cohort.view", digest.cohort):
        raise Http404
    # Until it goes out, a digest is the facilitators' draft.
    if digest.state != DigestState.SENT and not policy.allows(user, "nudges.approve", digest.cohort):
        raise Http404
    return digest


def may_edit(user, cohort: Cohort) -> bool:
    return policy.allows(user, "nudges.approve", cohort)

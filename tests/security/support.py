"""What the security tests share: the portal's pages, read from the URL
configuration so each one must be checked (a page added later fails the tests
until it is), and the discussion every organisation of them starts from."""

from __future__ import annotations

import datetime as dt

from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from discussions import services as discussions
from discussions.models import Thread


def portal_pages() -> dict[str, URLPattern]:
    """Every page of every app the site includes under a namespace ("portal:home",
    "discussions:thread", "notifications:list"...), the admin aside."""
    pages = {}
    for included in get_resolver().url_patterns:
        if not isinstance(included, URLResolver) or included.namespace in (None, "admin"):
            continue
        for pattern in included.url_patterns:
            # A nested include or an unnamed page could not be called by name: fail here.
            assert isinstance(pattern, URLPattern) and pattern.name, (included.namespace, pattern)
            pages[f"{included.namespace}:{pattern.name}"] = pattern
    return pages


def open_prompt_and_draft(w) -> Thread:
    """The facilitator's published prompt (a thread per squad) and a draft in `cohort`,
    due in three days; returns squad Alpha's thread."""
    due_at = timezone.now() + dt.timedelta(days=3)
    prompt = discussions.prompt_create(actor=w.facilitator, cohort=w.cohort, title="Feedback",
                                       body="What lands?", due_at=due_at)
    discussions.prompt_publish(actor=w.facilitator, prompt=prompt)
    discussions.prompt_create(actor=w.facilitator, cohort=w.cohort, title="Next", body="Later.",
                              due_at=due_at)
    return prompt.threads.get(squad=w.squad)


def prompt_form() -> dict:
    """The new prompt form (discussions:prompt_create) filled in: one role, due in a week."""
    due_at = (timezone.now() + dt.timedelta(days=7)).strftime("%Y-%m-%dT%H:%M")
    return {"title": "Why?", "body": "Say.", "due_at": due_at, "minutes": "20",
            "roles-TOTAL_FORMS": "1", "roles-INITIAL_FORMS": "0", "roles-0-name": "questioner",
            "roles-0-deliverable": "One question", "roles-0-min_words": "5", "roles-0-max_words": "80"}

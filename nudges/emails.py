"""Building a message's email: text and HTML alternatives, one-click unsubscribe
headers (RFC 8058), a stable Message-ID, and an iCalendar invitation when it has one."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from .models import Message, Topic
from .rendering import absolute


def unsubscribe_url(token: str) -> str:
    return absolute(reverse("nudges:unsubscribe", args=[token]))


def build(message: Message, *, to: str, token: str) -> EmailMultiAlternatives:
    unsubscribe = unsubscribe_url(token)
    context = {"message": message, "topic": Topic(message.topic).label, "unsubscribe_url": unsubscribe,
               "preferences_url": absolute(reverse("nudges:preferences"))}
    text = render_to_string("nudges/email/message.txt", context)
    html = render_to_string("nudges/email/message.html", context)
    domain = settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0] or "peerloop"
    email = EmailMultiAlternatives(
        subject=message.subject, body=text, to=[to],
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            # Stable across retries, so a receiving server can drop a resent copy.
            "Message-ID": f"<{message.pk}@{domain}>",
            "Auto-Submitted": "auto-generated",
        },
    )
    email.attach_alternative(html, "text/html")
    if message.ics:
        method = "CANCEL" if "METHOD:CANCEL" in message.ics else "REQUEST"
        email.attach("invite.ics", message.ics, f"text/calendar; method={method}")
    return email

"""A real SMTP round trip: the digest leaves through Django's SMTP backend to an
aiosmtpd server on 127.0.0.1, arrives as text and HTML alternatives with RFC 8058
one-click unsubscribe headers, and the link in them works without a login."""

from __future__ import annotations

import email
import socket
from email import policy as email_policy
from urllib.parse import urlparse

import pytest
import time_machine
from aiosmtpd.controller import Controller

from nudges import services
from nudges.models import Message, TopicPreference
from tests.nudges.test_digest import NEXT_MONDAY_SEND, week  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


class Inbox:
    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server(settings):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    yield inbox
    controller.stop()


def test_the_digest_arrives_over_smtp_with_one_click_unsubscribe(week, smtp_server, client,  # noqa: F811
                                                                  django_capture_on_commit_callbacks):
    with time_machine.travel(NEXT_MONDAY_SEND, tick=False), django_capture_on_commit_callbacks(execute=True):
        services.digests_due()
    assert Message.objects.filter(topic="digest", channel="email", state="sent").count() == 4
    received = {env.rcpt_tos[0]: env for env in smtp_server.envelopes}
    assert set(received) == {week.learner.email, week.peer_mentor.email, "bea@acme.example",
                             "bo@acme.example"}

    message = email.message_from_bytes(received[week.learner.email].content, policy=email_policy.default)
    assert message.get_content_type() == "multipart/alternative"
    parts = {part.get_content_type(): part.get_content() for part in message.iter_parts()}
    assert set(parts) == {"text/plain", "text/html"}
    assert "Ask for one concrete example" in parts["text/plain"]
    assert "“This changed how I run reviews.” — Facilitator" in parts["text/html"]
    assert message["Subject"] == "Top Takes in acme cohort, week of 23 Nov"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = str(message["List-Unsubscribe"]).strip().strip("<>")
    assert link.startswith("http://127.0.0.1:8000/nudges/unsubscribe/")
    assert message["Message-ID"].endswith("@127.0.0.1>")

    # What a mail client does for one-click unsubscribe (RFC 8058): a POST, no cookies.
    response = client.post(urlparse(link).path, data="List-Unsubscribe=One-Click",
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    assert TopicPreference.objects.get(user=week.learner, topic="digest", channel="email").enabled is False
    # The in-app digest and other topics stay on.
    assert list(TopicPreference.objects.filter(user=week.learner).values_list("topic", "channel")) == [
        ("digest", "email")]

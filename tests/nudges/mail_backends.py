"""An email backend for worker tests: each message becomes a file named after a fresh
uuid in PEERLOOP_TEST_MAIL_DIR holding its Message-ID, so a duplicate send shows as
two files with one Message-ID. PEERLOOP_TEST_MAIL_DELAY seconds pass before each
handoff; a ".sending" marker names the message meanwhile, so a test can kill the
worker mid-send."""

import os
import time
import uuid
from pathlib import Path

from django.core.mail.backends.base import BaseEmailBackend


class RecordingBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        folder = Path(os.environ["PEERLOOP_TEST_MAIL_DIR"])
        delay = float(os.environ.get("PEERLOOP_TEST_MAIL_DELAY", "0"))
        for message in email_messages:
            message_id = message.extra_headers.get("Message-ID", "")
            marker = folder / f"{uuid.uuid4().hex}.sending"
            marker.write_text(message_id)
            time.sleep(delay)
            (folder / f"{uuid.uuid4().hex}.eml").write_text(message_id)
            marker.unlink()
        return len(email_messages)

"""Message templates: the variables a rule may use, rendering them for one learner,
and the layout every email gets (why you got it, how to stop it)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import nh3
from django.conf import settings
from django.template import Context, Engine, Template, TemplateSyntaxError
from django.template.defaultfilters import linebreaks_filter, urlize
from django.utils.html import escape

VARIABLES = {
    "first_name": "The learner's first name",
    "learner_name": "The learner's full name",
    "cohort": "The cohort's name",
    "task": "What the nudge is about (the reviews, the micro-task, the session)",
    "due": "When it is due, in the learner's timezone",
    "days": "The rule's number of days",
    "link": "The page to act on",
}

# Plain text is not HTML: no escaping. HTML bodies get Django's autoescaping.
_TEXT_ENGINE = Engine(autoescape=False)
_HTML_ENGINE = Engine(autoescape=True)


def compile_text(source: str) -> Template:
    return _TEXT_ENGINE.from_string(source)


def compile_html(source: str) -> Template:
    return _HTML_ENGINE.from_string(source)


def check(source: str) -> str | None:
    """The syntax error a template has, or None."""
    try:
        compile_text(source)
    except TemplateSyntaxError as error:
        return str(error)
    return None


def absolute(path: str) -> str:
    if not path or path.startswith(("http://", "https://")):
        return path
    return settings.SITE_URL.rstrip("/") + path


def local_time(moment: datetime | None, tz: str) -> str:
    """'Thu 26 Nov, 17:00 (Europe/Berlin)': the learner's own clock and zone."""
    if moment is None:
        return ""
    local = moment.astimezone(ZoneInfo(tz or "UTC"))
    return f"{local:%a %d %b, %H:%M} ({tz or 'UTC'})"


def context_for(*, user_name: str, user_tz: str, cohort: str, task: str = "", due_at=None,
                days: int | None = None, link: str = "") -> dict:
    first = (user_name or "").split(" ")[0] or "there"
    return {"first_name": first, "learner_name": user_name or first, "cohort": cohort, "task": task,
            "due": local_time(due_at, user_tz), "days": days or "", "link": absolute(link)}


class Compiled:
    """A rule's subject and bodies compiled once, rendered per learner."""

    def __init__(self, subject: str, body_text: str, body_html: str = ""):
        self.subject = compile_text(subject)
        self.text = compile_text(body_text)
        self.html = compile_html(body_html) if body_html.strip() else None

    def render(self, context: dict) -> tuple[str, str, str]:
        """(subject, text, html); html is empty unless the rule has its own (the send
        makes it from the text then, see `message_html`)."""
        ctx = Context(context, autoescape=False)
        subject = " ".join(self.subject.render(ctx).split())[:200]
        text = self.text.render(ctx).strip()
        # A rule's own HTML is cleaned like any user HTML: it goes into every learner's inbox.
        html = nh3.clean(self.html.render(Context(context))) if self.html else ""
        return subject, text, html


def html_from_text(text: str) -> str:
    """Paragraphs and clickable links from plain text, escaped first."""
    return urlize(linebreaks_filter(escape(text), autoescape=False), autoescape=False)


def message_html(body_text: str, body_html: str) -> str:
    return body_html or html_from_text(body_text)

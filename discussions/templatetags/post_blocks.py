"""`{% post_block post %}`: a post's header, body and reaction footer, rendered once
and then served from the cache.

A thread page shows twenty posts and their latest replies; rendering each block
through the template engine was most of the page's time. The key is a digest of
everything the two templates read (the post's content and state, the viewer's
relation to it, the timezone and language, and the templates' own source), so
a change to any of them is a new key, never a stale block; viewers in the same
relation to a post share its block. Forms in the block carry the viewer's own
CSRF token: the cached text holds a marker that is replaced on every use.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache

from django import template
from django.core.cache import cache
from django.utils import timezone, translation
from django.utils.safestring import mark_safe

register = template.Library()

BLOCK_TEMPLATES = ("discussions/partials/post_main.html", "discussions/partials/reactions.html")
BLOCK_TTL = 24 * 3600
_CSRF_MARKER = "csrf-token-placeholder-5b0e1f"


@lru_cache(maxsize=1)
def _templates_digest() -> str:
    from django.template.loader import get_template

    sources = "".join(get_template(name).template.source for name in BLOCK_TEMPLATES)
    return hashlib.md5(sources.encode(), usedforsecurity=False).hexdigest()


def block_key(post, *, viewer_id, can_react: bool, thread_locked: bool) -> str:
    parts = (
        _templates_digest(), post.pk, post.parent_id is None, post.body_html, post.author.display_name,
        post.author_id == viewer_id, post.role, post.top_take_reason, post.created_at.isoformat(),
        post.edited_at, post.hidden_at is not None, post.endorsement_count, post.endorsed_by_me,
        post.nominated_by_me, post.flagged_by_me, can_react, thread_locked,
        timezone.get_current_timezone_name(), translation.get_language(),
    )
    return "post-block:" + hashlib.md5(repr(parts).encode(), usedforsecurity=False).hexdigest()


@register.simple_tag(takes_context=True)
def post_block(context, post):
    token = str(context.get("csrf_token") or "")
    if context.get("reaction_form") is not None or context.get("flag_form") is not None:
        return _render(context, post, token)  # a form with the viewer's errors: never shared
    request = context["request"]
    key = block_key(post, viewer_id=request.user.pk, can_react=bool(context.get("can_react")),
                    thread_locked=context["thread"].locked_at is not None)
    html = cache.get(key)
    if html is None:
        html = _render(context, post, _CSRF_MARKER)
        cache.set(key, str(html), BLOCK_TTL)
    return mark_safe(html.replace(_CSRF_MARKER, token))  # noqa: S308 - rendered by the template engine


def _render(context, post, csrf_token: str) -> str:
    engine = context.template.engine
    with context.push(post=post, csrf_token=csrf_token):
        return "".join(engine.get_template(name).render(context) for name in BLOCK_TEMPLATES)

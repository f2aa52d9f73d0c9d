"""Markdown in, sanitised HTML out: discussion posts, peer review submissions, instructions.

Two independent layers keep a post from running code in another learner's
browser, so a mistake in one is caught by the other:

1. markdown-it-py parses CommonMark with raw HTML switched off (``<script>``
   in a post shows up as text) and only produces links whose scheme is http,
   https, mailto or none (a relative URL); anything else stays literal text.
2. nh3 (ammonia) then cleans the HTML against an explicit allow-list of tags,
   attributes and URL schemes, as if the HTML had come from the user.

The MarkdownIt instance and the nh3 options are built once at import: a thread
with 1,000 replies renders 1,000 posts.

The same token walk feeds :func:`extract_mentions`, :func:`word_count` and
:func:`excerpt`, so "who gets notified" always matches "what is linked", and
counts and excerpts ignore Markdown syntax.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

__all__ = [
    "ALLOWED_ATTRIBUTES",
    "ALLOWED_TAGS",
    "ALLOWED_URL_SCHEMES",
    "LINK_REL",
    "MENTION_RE",
    "excerpt",
    "extract_mentions",
    "render_markdown",
    "sanitize_html",
    "word_count",
]

MentionUrl = Callable[[str], str | None]

# A handle is 2-40 of [A-Za-z0-9._-], starting and ending with a letter or
# digit so that "thanks @alice." or "(@bob)" do not swallow the punctuation.
# Not preceded by a word character, "@" or "/" so that e-mail addresses
# (bob@example.com) and profile URLs (https://host/@alice) are not mentions,
# and not followed by something that would continue a handle or an address.
MENTION_RE = re.compile(
    r"(?<![\w@/])@(?P<handle>[A-Za-z0-9][A-Za-z0-9._-]{0,38}[A-Za-z0-9])(?![\w@]|[.-][A-Za-z0-9])"
)

ALLOWED_URL_SCHEMES = frozenset({"http", "https", "mailto"})
# nofollow + ugc: posts are user-generated, do not lend them the site's rank.
# noopener: belt and braces, there is no target attribute (links open in the
# same tab; the reader chooses a new tab), so no window.opener either way.
LINK_REL = "nofollow noopener ugc"

# h1/h2 would compete with the page's own headings: Markdown "#" renders as
# <h3>, "##" as <h4>, and so on, capped at <h6>.
HEADING_SHIFT = 2

# No <img>: remote images in posts are tracking pixels (they leak readers' IPs
# and read receipts to any host), can be huge or offensive, and even an
# https-only rule would not fix that. Markdown images render as a plain link to
# the image instead, so the reference is not lost.
ALLOWED_TAGS = frozenset(
    {
        "p", "br", "hr",
        "strong", "em", "del", "s", "code", "pre", "blockquote",
        "ul", "ol", "li",
        "a",
        "h3", "h4", "h5", "h6",
        "table", "thead", "tbody", "tr", "th", "td",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "class"},  # class: only "mention", see _filter_attribute
    "code": {"class"},  # class: only "language-<name>" from fenced code
    "ol": {"start"},
}
# Table column alignment: markdown-it emits style="text-align:…", and style is
# not allowed anywhere; it is rewritten to the align attribute, limited to these.
_ALIGN_VALUES = {"left", "center", "right"}
TAG_ATTRIBUTE_VALUES = {"th": {"align": _ALIGN_VALUES}, "td": {"align": _ALIGN_VALUES}}

_LANGUAGE_CLASS_RE = re.compile(r"language-[A-Za-z0-9_+#.-]{1,32}")
_START_RE = re.compile(r"\d{1,9}")
_SCHEME_RE = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")
# Characters browsers ignore inside or around a URL (tab, newlines, other C0
# controls and space), which are the usual way to hide "java\tscript:".
_URL_IGNORED_RE = re.compile(r"[\x00-\x20\x7f]+")
MENTION_CLASS = "mention"


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    # nh3 calls this for every attribute of every element, allowed or not, and
    # before its own URL checks; anything returned still goes through those.
    if attribute == "class":
        if tag == "a":
            return MENTION_CLASS if value == MENTION_CLASS else None
        return value if _LANGUAGE_CLASS_RE.fullmatch(value) else None
    if attribute == "start":
        return value if _START_RE.fullmatch(value) else None
    return value


# A Cleaner holds the compiled ammonia builder; nh3.clean(html, **options)
# would rebuild it from the Python sets on every post.
_CLEANER = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    attributes=ALLOWED_ATTRIBUTES,
    tag_attribute_values=TAG_ATTRIBUTE_VALUES,
    attribute_filter=_filter_attribute,
    url_schemes=set(ALLOWED_URL_SCHEMES),
    link_rel=LINK_REL,
    strip_comments=True,
)


def _is_allowed_url(url: str) -> bool:
    """markdown-it link validator: http(s), mailto or relative; nothing else.

    Stricter than markdown-it's default, which lets data:image/* through; a
    rejected link is left as the literal Markdown text the author typed.
    """
    match = _SCHEME_RE.match(_URL_IGNORED_RE.sub("", url))
    return match is None or match.group(1).lower() in ALLOWED_URL_SCHEMES


# ----------------------------------------------------------------------------
# Core rules, run by markdown-it after inline parsing (after "text_join", so
# escaped characters and entities are already merged into plain text tokens).


def _rewrite_images(state: StateCore) -> None:
    """Turn images into links to the image (or just their text inside a link)."""
    for block in state.tokens:
        if block.type != "inline" or not block.children:
            continue
        children: list[Token] = []
        link_depth = 0
        for token in block.children:
            if token.type == "link_open":
                link_depth += 1
            elif token.type == "link_close":
                link_depth -= 1
            if token.type != "image":
                children.append(token)
                continue
            src = str(token.attrs.get("src", ""))
            label = token.children or [Token("text", "", 0, content=src)]
            if link_depth:  # a link cannot contain a link
                children.extend(label)
                continue
            attrs: dict[str, str | int | float] = {"href": src}
            if "title" in token.attrs:
                attrs["title"] = token.attrs["title"]
            children.append(Token("link_open", "a", 1, attrs=attrs, markup="image"))
            children.extend(label)
            children.append(Token("link_close", "a", -1, markup="image"))
        block.children = children


def _shift_headings(state: StateCore) -> None:
    for token in state.tokens:
        if token.type in ("heading_open", "heading_close"):
            level = min(int(token.tag[1]) + HEADING_SHIFT, 6)
            token.tag = f"h{level}"


def _table_align(state: StateCore) -> None:
    for token in state.tokens:
        if token.type in ("th_open", "td_open") and "style" in token.attrs:
            style = str(token.attrs.pop("style"))
            token.attrs["align"] = style.removeprefix("text-align:")


def _link_mentions(state: StateCore) -> None:
    """Record @handles outside code and links; link those mention_url knows.

    Code spans and blocks are separate token types, so only ``text`` tokens
    are looked at, and only outside link_open/link_close (a link cannot
    contain a link, and "[@alice](https://…)" is the author's own link).
    """
    env = state.env
    mentions: list[str] = env.setdefault("mentions", [])
    mention_url: MentionUrl | None = env.get("mention_url")
    resolved: dict[str, str | None] = env.setdefault("mention_urls", {})
    for block in state.tokens:
        if block.type != "inline" or not block.children or "@" not in block.content:
            continue
        children: list[Token] = []
        link_depth = 0
        for token in block.children:
            if token.type == "link_open":
                link_depth += 1
            elif token.type == "link_close":
                link_depth -= 1
            if token.type != "text" or link_depth or "@" not in token.content:
                children.append(token)
                continue
            text = token.content
            position = 0
            for match in MENTION_RE.finditer(text):
                handle = match.group("handle")
                mentions.append(handle)
                if mention_url is None:
                    continue
                if handle not in resolved:
                    resolved[handle] = mention_url(handle)
                url = resolved[handle]
                if not url:
                    continue
                if match.start() > position:
                    children.append(Token("text", "", 0, content=text[position : match.start()]))
                children.append(
                    Token("link_open", "a", 1, attrs={"href": url, "class": MENTION_CLASS}, markup="mention")
                )
                children.append(Token("text", "", 0, content=match.group()))
                children.append(Token("link_close", "a", -1, markup="mention"))
                position = match.end()
            if position == 0:
                children.append(token)
            elif position < len(text):
                children.append(Token("text", "", 0, content=text[position:]))
        block.children = children


def _build_markdown() -> MarkdownIt:
    # "linkify" (bare URLs become links) needs linkify-it-py, which is not a
    # dependency: bare URLs stay text; <https://…> autolinks and [text](url) work.
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.validateLink = _is_allowed_url  # type: ignore[method-assign]
    md.core.ruler.push("peerloop_images", _rewrite_images)
    md.core.ruler.push("peerloop_headings", _shift_headings)
    md.core.ruler.push("peerloop_table_align", _table_align)
    md.core.ruler.push("peerloop_mentions", _link_mentions)
    return md


_MD = _build_markdown()


# ----------------------------------------------------------------------------
# Public API


def render_markdown(text: str, *, mention_url: MentionUrl | None = None) -> SafeString:
    """Render a post's Markdown to sanitised HTML, safe to put in a template.

    ``mention_url(handle)`` returns the profile URL of a cohort member, or
    None for an unknown handle (which then stays plain text). It is called at
    most once per distinct handle per post; pass a lookup into members already
    loaded for the thread, not a function that queries the database.

    Returns a SafeString so templates do not need ``|safe``; if the HTML is
    stored and read back, it is a plain str again and must be marked safe
    where it is rendered.
    """
    if not text:
        return mark_safe("")
    env = {"mention_url": mention_url}
    return sanitize_html(_MD.render(text, env))


def sanitize_html(html: str) -> SafeString:
    """Clean HTML against the post allow-list (the second layer of
    :func:`render_markdown`, usable on its own for HTML from elsewhere)."""
    return mark_safe(_CLEANER.clean(html))  # noqa: S308 - this is the sanitiser


def extract_mentions(text: str) -> list[str]:
    """The handles @mentioned in a post, once each, in order of appearance.

    Mentions in code spans, code blocks, link text and e-mail addresses are
    not mentions. Handles compare case-insensitively (they come from e-mail
    local parts); the first spelling is kept.
    """
    if "@" not in text:
        return []
    env: dict = {"mention_url": None}
    _MD.parse(text, env)
    seen: set[str] = set()
    unique: list[str] = []
    for handle in env.get("mentions", []):
        key = handle.lower()
        if key not in seen:
            seen.add(key)
            unique.append(handle)
    return unique


def _plain_text(text: str) -> str:
    """The text a reader sees, without Markdown syntax, whitespace collapsed."""
    pieces: list[str] = []
    for token in _MD.parse(text, {"mention_url": None}):
        if token.type == "inline" and token.children:
            pieces.append(_inline_text(token.children))
        elif token.type in ("fence", "code_block"):
            pieces.append(token.content)
    return " ".join(" ".join(pieces).split())


def _inline_text(children: Sequence[Token]) -> str:
    parts: list[str] = []
    for token in children:
        if token.type in ("text", "code_inline"):
            parts.append(token.content)
        elif token.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return "".join(parts)


_WORD_RE = re.compile(r"\S*[^\W_]\S*")


def word_count(text: str) -> int:
    """Words in the post as read: Markdown markers, bare punctuation and URLs
    of links (but not their text) do not count. Used for deliverable length."""
    return len(_WORD_RE.findall(_plain_text(text)))


def excerpt(text: str, length: int = 200) -> str:
    """Plain-text start of a post for feeds and event payloads.

    At most ``length`` characters including the trailing "…" when cut, cut at
    a word boundary when there is one. Plain text, not HTML: escape it when
    rendering.
    """
    if length < 1:
        raise ValueError("length must be at least 1")
    plain = _plain_text(text)
    if len(plain) <= length:
        return plain
    cut = plain[: length - 1]
    if plain[length - 1] != " " and " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip() + "…"

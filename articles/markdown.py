"""Markdown to safe HTML for articles.

Articles are written by staff, but the output is sanitized all the same: a pasted
snippet or a compromised account must not be able to run script on readers' pages.
Raw HTML is allowed through markdown-it and then cut down by nh3 to a fixed list of
elements and attributes; URLs are limited to http, https, mailto and fragments.
"""

from urllib.parse import urlsplit

import nh3
from django.conf import settings
from markdown_it import MarkdownIt
from mdit_py_plugins.anchors import anchors_plugin
from mdit_py_plugins.anchors.index import slugify as heading_slug
from mdit_py_plugins.container import container_plugin
from mdit_py_plugins.footnote import footnote_plugin

CALLOUTS = {
    "did-you-know": "Did you know?",
    "pro-tip": "Pro Tip",
}

ARTICLE_TAGS = {
    "a", "abbr", "aside", "b", "blockquote", "br", "caption", "cite", "code", "dd",
    "del", "dl", "dt", "em", "figcaption", "figure", "h2", "h3", "h4", "h5", "h6",
    "hr", "i", "img", "li", "mark", "ol", "p", "pre", "q", "s", "section", "small",
    "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr",
    "ul",
}  # fmt: skip
ARTICLE_ATTRIBUTES = {
    "*": {"id", "class"},
    "a": {"href", "title", "rel"},
    "abbr": {"title"},
    "aside": {"role", "aria-label"},
    "img": {"src", "alt", "width", "height", "loading"},
    "ol": {"start"},
    "th": {"scope"},
    "td": {"colspan", "rowspan"},
}
URL_SCHEMES = {"http", "https", "mailto"}


def _is_external(href: str) -> bool:
    host = urlsplit(href).hostname
    return bool(host) and host != urlsplit(settings.SITE_URL).hostname


def _heading_id(title: str) -> str:
    # Prefixed, so that a heading such as "Discussion" cannot take the id of a part
    # of the page (#discussion, #threads, #newsletter) and break links and htmx.
    return f"s-{heading_slug(title)}"


def _render_callout(name: str, title: str):
    def render(self, tokens, idx, options, env):
        if tokens[idx].nesting == 1:
            return (
                f'<aside class="callout callout-{name}" role="note" '
                f'aria-label="{title}">\n<p class="callout-title">{title}</p>\n'
            )
        return "</aside>\n"

    return render


def _link_open(self, tokens, idx, options, env):
    token = tokens[idx]
    href = token.attrGet("href") or ""
    if _is_external(href):
        token.attrSet("rel", "noopener")
    return self.renderToken(tokens, idx, options, env)


def _build_article_parser() -> MarkdownIt:
    md = (
        MarkdownIt("commonmark", {"html": True, "typographer": True})
        .enable(["table", "strikethrough", "replacements", "smartquotes"])
        .use(footnote_plugin)
        .use(anchors_plugin, min_level=2, max_level=3, slug_func=_heading_id)
    )
    for name, title in CALLOUTS.items():
        md.use(container_plugin, name=name, render=_render_callout(name, title))
    md.add_render_rule("link_open", _link_open)
    # Let every link through to nh3, the one gate for URL schemes: a javascript:
    # link then loses its href and keeps only its words, instead of staying on the
    # page as literal Markdown.
    md.validateLink = lambda url: True
    return md


_article_parser = _build_article_parser()


def sanitize_article_html(html: str) -> str:
    return nh3.clean(
        html,
        tags=ARTICLE_TAGS,
        attributes=ARTICLE_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel=None,
        strip_comments=True,
    )


def render_article(source: str) -> str:
    """Render an article body (Markdown with callouts) to sanitized HTML."""
    return sanitize_article_html(_article_parser.render(source))

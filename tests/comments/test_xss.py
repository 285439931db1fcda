"""Readers' text is inert: no script, no event handlers, no dangerous links."""

from html.parser import HTMLParser

import pytest

from comments.markdown import render_comment
from comments.models import Comment
from tests.comments.factories import CommentFactory

pytestmark = pytest.mark.django_db

ATTACKS = [
    "<script>alert('x')</script>",
    '<img src=x onerror="alert(1)">',
    "[click me](javascript:alert(1))",
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[tricky](jav&#x09;ascript:alert(1))",
    "[spaced]( javascript:alert(1) )",
    '[quote](https://ok.example" onmouseover="alert(1))',
    "<a href='javascript:alert(1)'>raw link</a>",
    "![img](https://evil.example/x.png)",
    "<javascript:alert(1)>",
    "[ref][1]\n\n[1]: javascript:alert(1)",
    "<iframe src=https://evil.example></iframe>",
    "<svg onload=alert(1)>",
]


class ActiveContent(HTMLParser):
    """Collects every element, event-handler attribute and link scheme in HTML."""

    def __init__(self):
        super().__init__()
        self.tags: set[str] = set()
        self.handlers: list[str] = []
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        for name, value in attrs:
            if name.startswith("on"):
                self.handlers.append(name)
            if name in {"href", "src"}:
                self.hrefs.append(value or "")


def active_content(html: str) -> ActiveContent:
    parser = ActiveContent()
    parser.feed(html)
    return parser


def assert_inert(html: str) -> None:
    found = active_content(html)
    assert found.tags <= {
        "p",
        "br",
        "em",
        "strong",
        "a",
        "blockquote",
        "ul",
        "ol",
        "li",
    }
    assert found.handlers == []
    for href in found.hrefs:
        assert href.startswith(("https://", "http://", "mailto:")), href


@pytest.mark.parametrize("attack", ATTACKS)
def test_rendered_comment_has_no_active_content(attack):
    assert_inert(render_comment(attack))


@pytest.mark.parametrize("attack", ATTACKS)
def test_attacks_show_as_text_on_the_article_page(client, attack):
    comment = CommentFactory(body=attack)
    html = client.get(comment.article.get_absolute_url()).content.decode()
    start = html.index(
        '<div class="comment-body">', html.index(f'id="comment-{comment.pk}"')
    )
    body = html[start + len('<div class="comment-body">') : html.index("</div>", start)]
    assert_inert(body)
    assert body.strip(), "the attack text is shown, not silently dropped"


def test_script_tag_is_visible_as_text():
    html = render_comment("<script>alert('x')</script>")
    assert "&lt;script&gt;" in html


def test_allowed_markdown_renders_and_links_are_nofollow():
    html = render_comment(
        "Hello *there* and **you**.\n\n> quoted\n\n- one\n- two\n\n"
        "[A source](https://example.org/report)\n\n# Not a heading"
    )
    assert "<em>there</em>" in html and "<strong>you</strong>" in html
    assert "<blockquote>" in html and "<li>one</li>" in html
    assert (
        '<a href="https://example.org/report" rel="nofollow ugc noopener">'
        "A source</a>" in html
    )
    assert "<h1" not in html and "# Not a heading" in html


def test_body_html_is_rendered_on_save():
    comment = CommentFactory(body="*soft*")
    assert Comment.objects.get(pk=comment.pk).body_html == "<p><em>soft</em></p>\n"


def test_hostile_display_name_is_escaped_for_signed_in_readers(client):
    """Names go into the Python-rendered action links: they must be escaped too."""
    from tests.comments.factories import VerifiedUserFactory

    hostile = VerifiedUserFactory(display_name='<img src=x onerror="alert(1)">')
    comment = CommentFactory(author=hostile)
    client.force_login(VerifiedUserFactory())
    html = client.get(comment.article.get_absolute_url()).content.decode()
    assert "<img src=x" not in html
    assert "comment by &lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html

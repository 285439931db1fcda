"""Article bodies render from Markdown to safe HTML."""

import pytest

from articles.markdown import render_article


def test_script_event_handlers_and_javascript_links_are_removed():
    """Even staff-written HTML cannot run script on a reader's page."""
    html = render_article(
        "Intro\n\n<script>alert('x')</script>\n\n"
        '<img src="/x.png" onerror="alert(1)" alt="x">\n\n'
        '<a href="javascript:alert(2)">click</a> and [md](javascript:alert(3))\n\n'
        '<iframe src="https://evil.example"></iframe><p onclick="x()">para</p>'
    )
    assert "<script" not in html
    assert "alert('x')" not in html
    assert "onerror" not in html
    assert "onclick" not in html
    assert "javascript:" not in html
    assert "<iframe" not in html
    assert "para" in html


def test_did_you_know_and_pro_tip_render_as_callouts():
    html = render_article(
        "::: did-you-know\nA fact.\n:::\n\n::: pro-tip\nSome advice.\n:::\n"
    )
    assert (
        '<aside class="callout callout-did-you-know" role="note" '
        'aria-label="Did you know?">' in html
    )
    assert '<p class="callout-title">Did you know?</p>' in html
    assert '<aside class="callout callout-pro-tip" role="note"' in html
    assert '<p class="callout-title">Pro Tip</p>' in html
    assert "<p>A fact.</p>" in html


def test_headings_get_anchors_tables_and_footnotes_render():
    html = render_article(
        "## The territorial question\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n"
        "A claim.[^1]\n\n[^1]: The source.\n"
    )
    assert '<h2 id="s-the-territorial-question">' in html
    assert "<table>" in html and "<td>2</td>" in html
    assert 'class="footnote-ref"' in html and "The source." in html


def test_heading_ids_cannot_collide_with_the_page_around_the_article():
    """A heading "Discussion" must not take #discussion, the comments' anchor."""
    html = render_article("## Discussion\n\nText.\n\n## Newsletter\n")
    assert 'id="discussion"' not in html and 'id="newsletter"' not in html
    assert '<h2 id="s-discussion">' in html


@pytest.mark.parametrize(
    ("href", "has_rel"),
    [("https://www.cfr.org/", True), ("/sections/analysis/", False)],
)
def test_external_links_get_noopener(settings, href, has_rel):
    settings.SITE_URL = "https://news.example.com"
    html = render_article(f"[link]({href})")
    assert ('rel="noopener"' in html) is has_rel

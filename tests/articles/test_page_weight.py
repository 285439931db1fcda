"""Page weight budgets of the demo article (DESIGN.md), with its demo discussion."""

import re
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from articles.models import Article

STATIC = Path(settings.BASE_DIR) / "static"
pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_page(settings, tmp_path, monkeypatch, client):
    settings.DEBUG = True
    monkeypatch.setattr(
        "articles.management.commands.demo.LOGINS_FILE", tmp_path / "logins.json"
    )
    call_command("demo", no_serve=True, stdout=StringIO())
    article = Article.objects.get(slug="ukraine-peace-talks-miami")
    assert article.comment_count > 100, "the demo discussion is part of the page"
    return client.get(article.get_absolute_url()).content.decode()


def linked(html: str, pattern: str) -> list[Path]:
    return [STATIC / name for name in re.findall(pattern, html)]


def test_demo_article_html_is_under_60_kb(demo_page):
    assert len(demo_page.encode()) < 60 * 1024


def test_demo_article_goes_out_compressed_under_15_kb(demo_page, client):
    """As stored in the page cache and sent to a browser that takes gzip (all do);
    brotli, for those that take it, is smaller still."""
    url = Article.objects.get(slug="ukraine-peace-talks-miami").get_absolute_url()
    gzipped = client.get(url, HTTP_ACCEPT_ENCODING="gzip")
    assert gzipped["Content-Encoding"] == "gzip"
    assert len(gzipped.content) < 15 * 1024
    brotli = client.get(url, HTTP_ACCEPT_ENCODING="gzip, br")
    assert brotli["Content-Encoding"] == "br"
    assert len(brotli.content) < len(gzipped.content)


def test_demo_article_css_is_under_25_kb_and_js_under_60_kb(demo_page):
    css = linked(demo_page, r'<link rel="stylesheet" href="/static/([^"]+\.css)"')
    js = linked(demo_page, r'<script src="/static/([^"]+\.js)"')
    assert css and js
    assert sum(path.stat().st_size for path in css) < 25 * 1024
    assert sum(path.stat().st_size for path in js) < 60 * 1024


def font_faces(css: Path) -> list[tuple[Path, set[int]]]:
    """Each @font-face in a stylesheet: its file and the characters it is for."""
    faces = []
    for block in re.findall(r"@font-face\s*{([^}]*)}", css.read_text()):
        src = re.search(r'url\("?([^")]+)"?\)', block).group(1)
        spans = re.search(r"unicode-range:([^;]+);", block)
        wanted: set[int] = set()
        for span in spans.group(1).split(",") if spans else ["U+0-10FFFF"]:
            first, _, last = span.strip().removeprefix("U+").partition("-")
            wanted |= set(range(int(first, 16), int(last or first, 16) + 1))
        faces.append(((css.parent / src).resolve(), wanted))
    return faces


def test_demo_article_fonts_are_under_40_kb(demo_page):
    """A browser fetches a face only for the characters its unicode-range covers:
    counted here for every character in the page, more than the headlines use."""
    css = linked(demo_page, r'<link rel="stylesheet" href="/static/([^"]+\.css)"')
    used = {ord(char) for char in demo_page}
    fetched = {
        path for sheet in css for path, wanted in font_faces(sheet) if used & wanted
    }
    assert fetched, "the headline face"
    assert all(path.is_file() for path in fetched)
    assert sum(path.stat().st_size for path in fetched) < 40 * 1024


def test_demo_article_loads_nothing_from_another_origin(demo_page):
    """Scripts, styles, images and fonts all come from the site itself."""
    loads = re.findall(
        r'<(?:script[^>]+src|link rel="(?:stylesheet|icon)"[^>]+href|img[^>]+src)'
        r'="([^"]+)"',
        demo_page,
    )
    assert loads
    assert all(url.startswith("/") and not url.startswith("//") for url in loads)

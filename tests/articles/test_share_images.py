"""Every article shares with a picture: a 1200×630 card drawn from its headline,
redrawn when the headline changes; the three shapes for structured data (crops of
the hero image when there is one); og:, twitter: and JSON-LD point at them."""

import json
import re
from io import BytesIO
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageChops, ImageFont

from articles.models import Article
from articles.share_images import FACE, draw_card
from tests.articles.factories import ArticleFactory, AuthorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def published(committed, **fields) -> Article:
    with committed(execute=True):  # the pictures' task runs once the save commits
        article = ArticleFactory(**fields)
    article.refresh_from_db()
    return article


def opened(name: str) -> Image.Image:
    with default_storage.open(name) as file:
        image = Image.open(file)
        image.load()
    return image


def test_a_published_article_gets_a_card_with_its_headline(
    media, django_capture_on_commit_callbacks
):
    article = published(
        django_capture_on_commit_callbacks, title="Harbour reopens after the storm"
    )
    card = opened(article.share_images["card"])
    assert card.size == (1200, 630)
    blank = draw_card("", article.section.name)
    assert ImageChops.difference(card.convert("RGB"), blank).getbbox() is not None
    assert {opened(article.share_images[s]).size for s in ("16x9", "4x3", "1x1")} == {
        (1200, 675),
        (1200, 900),
        (1200, 1200),
    }


def test_the_card_is_redrawn_when_the_headline_changes_and_only_then(
    media, django_capture_on_commit_callbacks
):
    article = published(django_capture_on_commit_callbacks, title="First headline")
    first = article.share_images["card"]
    with django_capture_on_commit_callbacks(execute=True):
        article.standfirst = "A new standfirst."
        article.save()
    article.refresh_from_db()
    assert article.share_images["card"] == first  # nothing it shows changed
    with django_capture_on_commit_callbacks(execute=True):
        article.title = "Corrected headline"
        article.save()
    article.refresh_from_db()
    assert article.share_images["card"] != first
    assert not default_storage.exists(first)  # the old one is gone


def test_a_hero_image_gives_the_three_shapes_as_crops(
    media, django_capture_on_commit_callbacks
):
    photo = BytesIO()
    Image.new("RGB", (2000, 1000), "darkgreen").save(photo, "JPEG")
    article = published(
        django_capture_on_commit_callbacks,
        hero_image=SimpleUploadedFile("quay.jpg", photo.getvalue()),
        hero_image_alt="The quay",
    )
    square = opened(article.share_images["1x1"])
    assert square.size == (1200, 1200) and square.format == "JPEG"
    assert square.getpixel((600, 600))[1] > 60  # green: the photo, not a card


def test_the_page_points_every_share_at_a_large_picture(
    client, media, django_capture_on_commit_callbacks
):
    author = AuthorFactory(name="Marta Kowalczyk")
    article = published(django_capture_on_commit_callbacks, authors=[author])
    page = client.get(article.get_absolute_url()).content.decode()
    card_url = "http://127.0.0.1:8000/media/" + article.share_images["card"]
    assert f'<meta property="og:image" content="{card_url}">' in page
    assert '<meta property="og:image:width" content="1200">' in page
    assert '<meta name="twitter:card" content="summary_large_image">' in page
    assert f'<meta name="twitter:image" content="{card_url}">' in page
    data = json.loads(
        re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
        .group(1)
        .replace("\\u003C", "<")
    )
    news = data[0] if isinstance(data, list) else data
    # Google's Article documentation: recommended properties.
    for prop in ("headline", "image", "datePublished", "dateModified", "author"):
        assert news.get(prop), prop
    assert len(news["image"]) == 3 and all(u.startswith("http") for u in news["image"])
    assert news["author"][0]["url"].endswith(author.get_absolute_url())
    assert news["publisher"]["logo"]["url"].endswith("/static/img/publisher-logo.png")


def halves(left: str, right: str) -> bytes:
    image = Image.new("RGB", (2000, 1000), left)
    image.paste(Image.new("RGB", (1000, 1000), right), (1000, 0))
    out = BytesIO()
    image.save(out, "JPEG", quality=95)
    return out.getvalue()


def test_the_hero_is_served_at_four_widths_in_avif_and_webp_with_its_caption(
    client, media, django_capture_on_commit_callbacks
):
    article = published(
        django_capture_on_commit_callbacks,
        hero_image=SimpleUploadedFile("quay.jpg", halves("red", "blue")),
        hero_image_alt="The quay",
        hero_image_caption="Ships waiting at the quay.",
        hero_image_credit="Photo: Ana Ruiz",
    )
    srcset = article.share_images["srcset"]
    for kind in ("avif", "webp"):
        assert [width for width, _ in srcset[kind]] == [480, 800, 1200, 1600]
        width, name = srcset[kind][0]
        image = opened(name)
        assert image.format == kind.upper() and image.size == (480, 240)
    page = client.get(article.get_absolute_url()).content.decode()
    assert '<source type="image/avif" srcset="/media/' in page and " 480w, " in page
    assert 'width="2000" height="1000"' in page  # nothing shifts while it loads
    assert "Ships waiting at the quay." in page and "Photo: Ana Ruiz" in page


@pytest.mark.parametrize("focal_x, colour", [(0, "red"), (100, "blue")])
def test_the_focal_point_chooses_what_the_square_crop_keeps(
    media, django_capture_on_commit_callbacks, focal_x, colour
):
    article = published(
        django_capture_on_commit_callbacks,
        hero_image=SimpleUploadedFile("halves.jpg", halves("red", "blue")),
        hero_focal_x=focal_x,
    )
    r, g, b = opened(article.share_images["1x1"]).getpixel((600, 600))
    assert (r > b) == (colour == "red")


def served_faces() -> list[str]:
    """The files of the CSS's headline face (its @font-face rules)."""
    css = (Path(settings.BASE_DIR) / "static/css/main.css").read_text()
    headline = re.search(r"--headline:\s*\"([^\"]+)\"", css).group(1)
    return [
        re.search(r'url\("\.\./([^"]+)"\)', block).group(1)
        for block in re.findall(r"@font-face\s*{([^}]*)}", css)
        if f'font-family: "{headline}"' in block
    ]


def same_letters(one: ImageFont.FreeTypeFont, other: ImageFont.FreeTypeFont, text):
    return all(one.getlength(letter) == other.getlength(letter) for letter in text)


def test_the_card_is_drawn_in_the_face_the_site_serves_its_headlines_in():
    """The card's font is the pair of the CSS's @font-face file (static/fonts/
    README.md): the same family and style, the same widths letter for letter."""
    assert served_faces() == ["fonts/source-serif-4-latin-700-normal.woff2"]
    served = ImageFont.truetype(finders.find(served_faces()[0]), 100)
    card = ImageFont.truetype(finders.find(FACE), 100)
    assert card.getname() == served.getname() == ("Source Serif 4", "Bold")
    assert same_letters(card, served, "Harbour reopens, 3–1 (€5) WORLD Broadsheet")


def test_a_headline_with_central_european_names_is_drawn_without_empty_boxes():
    """The card's font also holds the Latin Extended letters (a card has no
    fallback font, as a browser has); letters it lacked would all be one box."""
    card = ImageFont.truetype(finders.find(FACE), 100)
    assert len({card.getmask(letter).getbbox() for letter in "ŁĄŽŘŞĞ"}) == 6
    extended = "fonts/source-serif-4-latin-ext-700-normal.woff2"
    assert same_letters(card, ImageFont.truetype(finders.find(extended), 100), "ŁğřȘ")

"""The pictures an article is shared with: a social card for every article, and the
three shapes search engines ask for.

Every published article gets a 1200×630 card drawn with Pillow from its section,
headline and the publication's name, in the site's headline face, Source Serif 4
Bold (FACE: the WOFF2 the CSS serves and its Latin Extended companion, unpacked into
one TTF; see static/fonts/README.md), so a shared link always shows a large picture
that looks like the site. For structured data it also gets 16×9, 4×3 and 1×1 images:
crops of the hero image when there is one (the middle of it), else the card drawn at
those sizes. They are made once, in a task after the save commits, and made again
only when what they show changes (the key: headline, section, publication name, hero
image and the face), under new file names so no cache serves an old one.
"""

from __future__ import annotations

import functools
import hashlib
from io import BytesIO

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image, ImageDraw, ImageFont, ImageOps

from .cache import article_changed
from .models import Article

CARD = (1200, 630)
SHAPES = {"16x9": (1200, 675), "4x3": (1200, 900), "1x1": (1200, 1200)}
WIDTHS = [480, 800, 1200, 1600]  # the hero's srcset
PAPER, INK, ACCENT, RULE = "#fdfcf9", "#1b1b1b", "#8b1e2d", "#d9d4c7"
FACE = "fonts/source-serif-4-700-card.ttf"  # the CSS's --headline, for Pillow


@functools.cache
def _font(size: int) -> ImageFont.FreeTypeFont:
    """Each size read once per process: the face's file is 100 KB, and a card
    tries a dozen sizes (reading it each time made a card four times slower)."""
    return ImageFont.truetype(finders.find(FACE), size)


def key_for(article: Article) -> str:
    """What the pictures show: they are redrawn when it changes."""
    shown = "\n".join(
        [
            article.title,
            article.section.name,
            settings.SITE_NAME,
            article.hero_image.name or "",
            f"{article.hero_focal_x},{article.hero_focal_y}",
            FACE,  # a new face redraws every card (manage.py make_share_images)
        ]
    )
    return hashlib.sha256(shown.encode()).hexdigest()[:12]


def _wrap(text: str, font: ImageFont.FreeTypeFont, room: float) -> list[str]:
    """Words to lines no wider than `room`, as the font measures them."""
    lines: list[str] = []
    for word in text.split():
        if lines and font.getlength(f"{lines[-1]} {word}") <= room:
            lines[-1] += f" {word}"
        else:
            lines.append(word)
    return lines


def draw_card(title: str, section: str, size: tuple[int, int] = CARD) -> Image.Image:
    """The card: the section in the accent colour, the headline as large as fits
    in five lines, and the publication's name at the foot."""
    width, height = size
    margin = 72
    image = Image.new("RGB", size, PAPER)
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, 0, 18, height], fill=ACCENT)
    kicker = _font(30)
    draw.text((margin, margin - 8), section.upper(), font=kicker, fill=ACCENT)
    footer = _font(40)
    foot_y = height - margin - 40
    draw.line([margin, foot_y - 28, width - margin, foot_y - 28], fill=RULE, width=3)
    draw.text((margin, foot_y), settings.SITE_NAME, font=footer, fill=INK)
    top, bottom = margin + 56, foot_y - 56
    for points in range(76, 30, -4):  # the largest size whose lines fit
        font = _font(points)
        lines = _wrap(title, font, width - 2 * margin)
        line_height = int(points * 1.18)
        if len(lines) <= 5 and len(lines) * line_height <= bottom - top:
            break
    lines = lines[:5]
    for n, line in enumerate(lines):
        draw.text((margin, top + n * line_height), line, font=font, fill=INK)
    return image


def _png(image: Image.Image) -> ContentFile:
    out = BytesIO()
    image.save(out, "PNG", optimize=True)
    return ContentFile(out.getvalue())


def _jpeg(image: Image.Image) -> ContentFile:
    out = BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=85, optimize=True)
    return ContentFile(out.getvalue())


def _responsive(hero: Image.Image, folder: str, key: str) -> dict[str, list]:
    """The hero at the widths a page asks for, in WebP and AVIF (made once)."""
    widths = sorted(
        {w for w in WIDTHS if w < hero.width} | {min(hero.width, WIDTHS[-1])}
    )
    made: dict[str, list] = {"avif": [], "webp": []}
    for width in widths:
        height = round(hero.height * width / hero.width)
        resized = hero.convert("RGB").resize((width, height), Image.Resampling.LANCZOS)
        for kind, options in (("avif", {"quality": 60}), ("webp", {"quality": 80})):
            out = BytesIO()
            resized.save(out, kind.upper(), **options)
            name = default_storage.save(
                f"{folder}/{key}-{width}.{kind}", ContentFile(out.getvalue())
            )
            made[kind].append([width, name])
    return made


def _files(made: dict) -> set[str]:
    names = {name for shape, name in made.items() if shape not in ("key", "srcset")}
    for sizes in made.get("srcset", {}).values():
        names |= {name for _, name in sizes}
    return names


def make_share_images(article_id: int) -> bool:
    """Draw (or crop) the article's pictures if what they show changed."""
    article = Article.objects.select_related("section").filter(pk=article_id).first()
    if article is None:
        return False
    key = key_for(article)
    if article.share_images.get("key") == key:
        return False
    folder = f"share/{article.pk}"
    made = {"key": key}
    made["card"] = default_storage.save(
        f"{folder}/{key}-card.png", _png(draw_card(article.title, article.section.name))
    )
    hero = None
    if article.hero_image:
        try:
            with article.hero_image.open("rb") as file:
                hero = Image.open(file)
                hero.load()
        except (OSError, ValueError):
            hero = None  # the file is gone: the drawn card stands in
    focal = (article.hero_focal_x / 100, article.hero_focal_y / 100)
    for shape, size in SHAPES.items():
        if hero is not None:
            content = _jpeg(ImageOps.fit(hero, size, centering=focal))
            name = f"{folder}/{key}-{shape}.jpg"
        else:
            content = _png(draw_card(article.title, article.section.name, size))
            name = f"{folder}/{key}-{shape}.png"
        made[shape] = default_storage.save(name, content)
    if hero is not None:
        made["srcset"] = _responsive(hero, folder, key)
    old = article.share_images
    Article.objects.filter(pk=article.pk).update(share_images=made)
    for name in _files(old) - _files(made):
        default_storage.delete(name)
    article_changed(article.pk)
    return True

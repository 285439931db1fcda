"""Images an imported article names on the old site, brought into our media.

An imported body points at the old site's uploads, and our pages load nothing
from another site (the CSP refuses it: the image would show broken). After the
import commits, a task (tasks.fetch_imported_images) fetches each image of an
article once, checks it is a picture Pillow can read (and not too big), stores it
under MEDIA_ROOT/imports/<article id>/ and points the body at our copy; the
featured image becomes the article's hero image, with its alt text. An image
that cannot be fetched is left as it was and named in the log; re-running the
import (or the task) tries again.

Addresses on private networks are refused unless IMPORTS_FETCH_PRIVATE_ADDRESSES
is on: an export file must not make the server reach inside its own network.
"""

from __future__ import annotations

import ipaddress
import logging
import posixpath
import re
import socket
import urllib.error
import urllib.request
from io import BytesIO
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.text import get_valid_filename
from PIL import Image, UnidentifiedImageError

from articles.cache import article_changed
from articles.models import Article

logger = logging.getLogger(__name__)

MAX_BYTES = 15 * 1024 * 1024
TIMEOUT_SECONDS = 10
IMAGE_SRC = re.compile(r"""(<img\b[^>]*?\bsrc=)(["'])(https?://[^"']+)\2""", re.I)
FORMATS = {"JPEG": ".jpg", "PNG": ".png", "GIF": ".gif", "WEBP": ".webp"}


class ImageNotFetched(Exception):
    """Why an image stays where it was: the message says it."""


def _check_address(url: str) -> None:
    host = urlsplit(url).hostname or ""
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except (socket.gaierror, UnicodeError) as error:
        raise ImageNotFetched(f"{url}: the host does not resolve ({error})") from None
    if settings.IMPORTS_FETCH_PRIVATE_ADDRESSES:
        return
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%")[0])
        if not ip.is_global:
            raise ImageNotFetched(f"{url}: {address} is not a public address")


class _CheckedRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is followed only to where a first request could go."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        _check_url(newurl)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


_opener = urllib.request.build_opener(_CheckedRedirects)


def _check_url(url: str) -> None:
    if urlsplit(url).scheme not in ("http", "https"):
        raise ImageNotFetched(f"{url}: not a web address")
    _check_address(url)


def fetch(url: str) -> tuple[bytes, str]:
    """The image's bytes and a file name for it (extension from its format)."""
    _check_url(url)
    request = urllib.request.Request(  # noqa: S310 (http and https only: _check_url)
        url, headers={"User-Agent": f"{settings.SITE_NAME} archive import"}
    )
    try:
        with _opener.open(request, timeout=TIMEOUT_SECONDS) as response:
            data = response.read(MAX_BYTES + 1)
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        raise ImageNotFetched(f"{url}: {error}") from None
    if len(data) > MAX_BYTES:
        raise ImageNotFetched(f"{url}: larger than {MAX_BYTES // 2**20} MB")
    try:
        with Image.open(BytesIO(data)) as image:
            image.verify()
            kind = image.format
    except Image.DecompressionBombError:
        raise ImageNotFetched(f"{url}: too many pixels to be a photograph") from None
    except (UnidentifiedImageError, OSError, SyntaxError):
        raise ImageNotFetched(f"{url}: not an image") from None
    if kind not in FORMATS:
        raise ImageNotFetched(f"{url}: a {kind} image, not JPEG, PNG, GIF or WebP")
    stem = posixpath.splitext(posixpath.basename(unquote(urlsplit(url).path)))[0]
    name = get_valid_filename(stem)[:80] or "image"
    return data, name + FORMATS[kind]


def outside_images(html: str) -> list[str]:
    """The images of a body that are not on our own site."""
    own = urlsplit(settings.SITE_URL).netloc
    return [
        m.group(3)
        for m in IMAGE_SRC.finditer(html)
        if urlsplit(m.group(3)).netloc != own
    ]


def _store(article: Article, data: bytes, name: str) -> str:
    return default_storage.save(f"imports/{article.pk}/{name}", ContentFile(data))


def localise(article_id: int, featured_url: str = "", featured_alt: str = "") -> int:
    """Fetch the article's outside images; returns how many stayed outside."""
    article = Article.objects.filter(pk=article_id).first()
    if article is None:
        return 0
    own = urlsplit(settings.SITE_URL).netloc
    fetched: dict[str, str] = {}
    failed = 0

    def local(url: str) -> str | None:
        nonlocal failed
        if url not in fetched:
            try:
                data, name = fetch(url)
            except ImageNotFetched as error:
                logger.warning("Imported image not fetched: %s", error)
                failed += 1
                return None
            fetched[url] = default_storage.url(_store(article, data, name))
        return fetched[url]

    def replace(match: re.Match) -> str:
        url = match.group(3)
        if urlsplit(url).netloc == own:
            return match.group(0)
        new = local(url)
        return (
            match.group(0)
            if new is None
            else f"{match.group(1)}{match.group(2)}{new}{match.group(2)}"
        )

    fetched_from = article.body
    body = IMAGE_SRC.sub(replace, fetched_from)
    fields = []
    if body != fetched_from:
        article.body = body
        fields += ["body", "body_html", "word_count"]
    if featured_url and not article.hero_image:
        try:
            data, name = fetch(featured_url)
        except ImageNotFetched as error:
            logger.warning("Imported featured image not fetched: %s", error)
            failed += 1
        else:
            article.hero_image.save(name, ContentFile(data), save=False)
            article.hero_image_alt = featured_alt[:200]
            fields += ["hero_image", "hero_image_alt"]
            fields += ["hero_image_width", "hero_image_height"]
    # Fetching takes a while: an editor may have changed the article meanwhile.
    # Only the fields fetched are written, and the body only if it is still the
    # one the images were found in.
    if (
        "body" in fields
        and not Article.objects.filter(pk=article.pk, body=fetched_from).exists()
    ):
        fields = [f for f in fields if f not in ("body", "body_html", "word_count")]
    if fields:
        article.save(update_fields=fields)
        article_changed(article.pk)
    return failed

"""An imported article's images come home: fetched from the old site (a real HTTP
server here) into our media once the import commits, the featured one as the hero
image. What cannot be fetched stays as it was; private addresses are refused."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO, StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from PIL import Image

from articles.models import Article
from imports.images import ImageNotFetched, fetch

pytestmark = pytest.mark.django_db

EXPORT = Path(__file__).parent / "data" / "wordpress.xml"
OLD_UPLOADS = "https://old.example.com/wp-content/uploads/"


def jpeg() -> bytes:
    out = BytesIO()
    Image.new("RGB", (60, 40), "teal").save(out, "JPEG")
    return out.getvalue()


class OldSite(BaseHTTPRequestHandler):
    files = {"/wp-content/uploads/hall.jpg": ("image/jpeg", jpeg())}
    requests: list[str] = []

    def do_GET(self):  # noqa: N802 (http.server's name)
        self.requests.append(self.path)
        found = self.files.get(self.path)
        if found is None:
            self.send_error(404)
            return
        kind, body = found
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def old_site():
    server = ThreadingHTTPServer(("127.0.0.1", 0), OldSite)
    OldSite.requests = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def import_from(old_site: str, tmp_path, committed, text: str | None = None) -> str:
    export = tmp_path / "export.xml"
    text = text or EXPORT.read_text()
    export.write_text(text.replace(OLD_UPLOADS, f"{old_site}/wp-content/uploads/"))
    out = StringIO()
    with committed(execute=True):  # the images' task is queued on commit
        call_command("import_wordpress", str(export), stdout=out)
    return out.getvalue()


def test_body_and_featured_images_are_fetched_into_our_media(
    old_site, media, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.IMPORTS_FETCH_PRIVATE_ADDRESSES = True  # the "old site" is local here
    report = import_from(old_site, tmp_path, django_capture_on_commit_callbacks)
    assert "Images: those of 1 article are fetched" in report
    article = Article.objects.get(slug="council-votes")
    assert old_site not in article.body and old_site not in article.body_html
    assert '<img src="/media/imports/' in article.body_html
    assert article.hero_image.name.startswith("heroes/")
    assert (media / article.hero_image.name).read_bytes()[:2] == b"\xff\xd8"
    assert (article.hero_image_width, article.hero_image_height) == (60, 40)
    assert OldSite.requests.count("/wp-content/uploads/hall.jpg") == 2


def test_an_image_that_cannot_be_fetched_stays_and_the_article_is_imported(
    old_site, media, settings, tmp_path, django_capture_on_commit_callbacks, caplog
):
    settings.IMPORTS_FETCH_PRIVATE_ADDRESSES = True
    text = EXPORT.read_text().replace("hall.jpg", "gone.jpg")
    import_from(old_site, tmp_path, django_capture_on_commit_callbacks, text)
    article = Article.objects.get(slug="council-votes")
    assert f"{old_site}/wp-content/uploads/gone.jpg" in article.body
    assert not article.hero_image
    assert (
        "Imported image not fetched: http" in caplog.text and "gone.jpg" in caplog.text
    )


def test_a_page_that_is_not_an_image_is_refused(old_site, settings):
    settings.IMPORTS_FETCH_PRIVATE_ADDRESSES = True
    OldSite.files["/page.jpg"] = ("image/jpeg", b"<html>not an image</html>")
    with pytest.raises(ImageNotFetched, match="not an image"):
        fetch(f"{old_site}/page.jpg")


def test_private_addresses_and_other_schemes_are_refused(old_site):
    with pytest.raises(ImageNotFetched, match="127.0.0.1 is not a public address"):
        fetch(f"{old_site}/wp-content/uploads/hall.jpg")
    with pytest.raises(ImageNotFetched, match="not a web address"):
        fetch("file:///etc/passwd")
    assert OldSite.requests == []

"""The subscriber CSV import with the files editors really have: Excel's
encodings, files too large, empty, binary or damaged.

A file that cannot be read is refused as a whole, with a message next to the file
field that names the problem (and the first line it is on); nothing stored
changes. A file read in an encoding that had to be guessed says so in the report.
"""

import codecs

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from newsletter import admin_io, forms
from newsletter.models import Subscriber
from tests.newsletter.factories import SubscriberFactory

pytestmark = pytest.mark.django_db

IMPORT = reverse("admin:newsletter_subscriber_import")
# The start of a real PNG: signature, then the IHDR chunk (its length has NULs).
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06"


@pytest.fixture
def editor(client, staff_user):
    client.force_login(staff_user)
    return client


@pytest.fixture
def stored():
    """What is on the list before the import: it must not change when a file is
    refused."""
    SubscriberFactory(email="kept@example.com")
    SubscriberFactory(email="waiting@example.com", status=Subscriber.Status.PENDING)

    def snapshot():
        return sorted(Subscriber.objects.values_list("email", "status"))

    before = snapshot()
    return lambda: snapshot() == before


def send(editor, data: bytes, name: str = "list.csv"):
    upload = SimpleUploadedFile(name, data, content_type="text/csv")
    return editor.post(IMPORT, {"file": upload})


def refused_with(response, message: str) -> None:
    assert response.status_code == 200
    assert response.context["report"] is None
    assert response.context["form"].errors["file"] == [message]
    assert 'aria-invalid="true"' in response.content.decode()  # the file field


ACCENTED = (
    "email,name,newsletters,consented\r\n"
    "ana@café.example,Zoé Dubois,daily-briefing,yes\r\n"
    "bob@example.com,Bob,,no\r\n"
    "chloe@example.com,Chloé Martin,,yes\r\n"
)


def test_a_windows_1252_file_is_read_as_such_and_the_report_says_so(editor):
    """Excel's "CSV (Comma delimited)" is Windows-1252: its bytes are not UTF-8,
    so they are read as Windows-1252 and the report names the encoding and the
    lines with accented letters to check. They were decoded with replacement
    characters, and ana@café.example refused as "not a valid email address"."""
    response = send(editor, ACCENTED.encode("cp1252"))
    report = response.context["report"]
    assert report.errors == []
    assert (report.imported, report.confirmed) == (3, 2)
    assert report.encoding == "Windows-1252"
    assert report.notes == [admin_io.FILE_READ_AS_CP1252.format(lines="2, 4")]
    assert Subscriber.objects.get(email="ana@café.example").status == "confirmed"
    html = response.content.decode()
    assert "Read as Windows-1252" in html
    assert "Check the addresses on lines 2, 4" in html


@pytest.mark.parametrize("bom", [b"", codecs.BOM_UTF8], ids=["plain", "with-bom"])
def test_a_utf8_file_is_read_with_or_without_its_byte_order_mark(editor, bom):
    response = send(editor, bom + ACCENTED.encode())
    report = response.context["report"]
    assert (report.imported, report.encoding, report.notes) == (3, "UTF-8", [])
    assert Subscriber.objects.filter(email="ana@café.example").exists()
    assert "Read as UTF-8" in response.content.decode()


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-be"])
def test_a_utf16_file_with_its_byte_order_mark_is_read(editor, codec):
    """Excel's "Unicode text" and some exports are UTF-16: read by their byte
    order mark. They were read as UTF-8 and reported as having no email column."""
    data = ACCENTED.encode(codec)
    if codec == "utf-16-be":
        data = codecs.BOM_UTF16_BE + data
    report = send(editor, data).context["report"]
    assert (report.imported, report.encoding, report.errors) == (3, "UTF-16", [])
    assert Subscriber.objects.filter(email="ana@café.example").exists()


def test_bytes_no_encoding_explains_are_refused_naming_the_line(editor, stored):
    """Not UTF-8, and not Windows-1252 either (0x81 is no character in it): the
    file is refused as a whole, naming the first line that cannot be read."""
    data = (
        b"email,newsletters,consented\none@example.com,,yes\ntwo@exampl\x81e.com,,yes\n"
    )
    response = send(editor, data)
    refused_with(response, admin_io.FILE_BAD_BYTES.format(line=3))
    assert stored()


def test_a_file_marked_utf8_with_bytes_that_are_not_is_refused(editor, stored):
    """A byte order mark says UTF-8: bytes that are not are damage, not a hint to
    guess another encoding."""
    data = codecs.BOM_UTF8 + b"email,consented\none@example.com,yes\nt\xe9@x.com,yes\n"
    response = send(editor, data)
    refused_with(response, admin_io.FILE_DAMAGED.format(encoding="UTF-8", line=3))
    assert stored()


def test_a_file_over_the_size_limit_is_refused_next_to_the_field(
    editor, stored, settings
):
    settings.NEWSLETTER_IMPORT_MAX_BYTES = 1000
    data = b"email,consented\n" + b"someone@example.com,yes\n" * 50
    assert len(data) > 1000
    response = send(editor, data)
    refused_with(
        response, forms.FILE_TOO_LARGE.format(size="1.2\xa0KB", limit="1000\xa0bytes")
    )
    assert stored()


def test_an_empty_file_is_refused_next_to_the_field(editor, stored):
    response = send(editor, b"")
    refused_with(response, "The submitted file is empty.")
    assert stored()


def test_an_image_is_refused_as_not_text(editor, stored):
    response = send(editor, PNG, name="list.png")
    refused_with(response, admin_io.FILE_NOT_TEXT.format(line=3))
    assert stored()


def test_an_excel_workbook_is_refused_with_how_to_save_it_as_csv(editor, stored):
    workbook = b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00[Content_Types].xml"
    response = send(editor, workbook, name="list.xlsx")
    refused_with(response, admin_io.FILE_IS_WORKBOOK)
    assert stored()


def test_rows_with_more_cells_than_the_header_are_imported(editor):
    """Extra cells (a trailing comma, a note) are ignored; they raised
    AttributeError (a list where a text was expected) and answered 500."""
    data = b"email,consented\none@example.com,yes,,note\ntwo@example.com,no\n"
    report = send(editor, data).context["report"]
    assert (report.imported, report.errors) == (2, [])


def test_a_line_csv_cannot_read_stops_the_import_there_with_a_message(editor):
    """A cell past the csv module's limit (an unclosed quote swallowing the rest
    of a large file): the rows before it are imported, the report says where
    reading stopped. It raised csv.Error and answered 500."""
    data = (
        b"email,consented\n"
        b"one@example.com,yes\n"
        b'"two@example.com,yes\n' + b"x" * 200_000 + b"\nthree@example.com,yes\n"
    )
    report = send(editor, data).context["report"]
    assert report.imported == 1
    assert len(report.errors) == 1
    assert report.errors[0].startswith("Line 3: ")
    assert admin_io.ROW_NOT_CSV.split("{")[0] in report.errors[0]
    assert list(Subscriber.objects.values_list("email", flat=True)) == [
        "one@example.com"
    ]

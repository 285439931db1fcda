"""CSV export and import of subscribers (used by the admin)."""

import codecs
import csv
import datetime
import io
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from .models import Newsletter, Subscriber, normalize_email

EXPORT_COLUMNS = [
    "email",
    "status",
    "newsletters",
    "source",
    "consent_text",
    "consent_at",
    "confirmed_at",
    "unsubscribed_at",
    "created",
]
IMPORT_CONSENT_TEXT = "Imported from a list whose owner recorded consent."
YES = {"yes", "y", "true", "1"}
NO = {"no", "n", "false", "0", ""}

# Messages for rejected rows (the line number is added in front).
ROW_BAD_EMAIL = "not a valid email address"
ROW_UNKNOWN_NEWSLETTER = "unknown newsletter {slug!r}"
ROW_BAD_CONSENT = "consented must be yes or no, not {value!r}"
ROW_BAD_DATE = "consented_at is not a date: {value!r}"
ROW_DUPLICATE = "already on the list, left unchanged"
ROW_NOT_CSV = (
    "this line cannot be read as CSV ({error}: a quote never closed?), so it and "
    "the lines after it were not imported"
)
FILE_NO_EMAIL_COLUMN = "The file has no 'email' column in its first line."
# Why a whole file is refused, shown next to the file field (nothing is imported).
SAVE_AS_UTF8 = "In your spreadsheet, save the list as “CSV UTF-8” and import that."
FILE_NOT_TEXT = (
    "This is not a CSV file: line {line} holds bytes that are not text (an image? "
    "a spreadsheet?). " + SAVE_AS_UTF8
)
FILE_IS_WORKBOOK = (
    "This is an Excel workbook, not a CSV file. In Excel, choose File, Save As, "
    "“CSV UTF-8 (Comma delimited)”, and import that."
)
FILE_BAD_BYTES = (
    "This file is not UTF-8, and line {line} holds bytes that are not Windows-1252 "
    "either, so its encoding cannot be told. " + SAVE_AS_UTF8
)
FILE_DAMAGED = (
    "This file starts with the mark of {encoding} text, but line {line} is not "
    "valid {encoding}: the file may be damaged. " + SAVE_AS_UTF8
)
# In the report of a file whose encoding had to be guessed.
FILE_READ_AS_CP1252 = (
    "This file is not UTF-8, so it was read as Windows-1252, what Excel saves as "
    "“CSV (Comma delimited)”. Check the addresses on lines {lines}, which have "
    "accents or other characters beyond plain English; next time, save the list "
    "as “CSV UTF-8” to be sure of every character."
)
ZIP_SIGNATURE = b"PK\x03\x04"  # .xlsx and .ods are zip archives
BYTE_ORDER_MARKS = [
    (codecs.BOM_UTF8, "utf-8", "UTF-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16"),
]


class _Echo:
    def write(self, value: str) -> str:
        return value


def _cell(value) -> str:
    text = "" if value is None else str(value)
    # Spreadsheets run cells that start with these as formulas.
    if text[:1] in ("=", "+", "-", "@"):
        text = "'" + text
    return text


def export_rows(queryset) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(EXPORT_COLUMNS)
    rows = queryset.order_by("pk").prefetch_related("newsletters")
    for subscriber in rows.iterator(chunk_size=2000):
        yield writer.writerow(
            [
                _cell(subscriber.email),
                subscriber.status,
                ";".join(n.slug for n in subscriber.newsletters.all()),
                _cell(subscriber.source),
                _cell(subscriber.consent_text),
                subscriber.consent_at.isoformat() if subscriber.consent_at else "",
                subscriber.confirmed_at.isoformat() if subscriber.confirmed_at else "",
                subscriber.unsubscribed_at.isoformat()
                if subscriber.unsubscribed_at
                else "",
                subscriber.created.isoformat(),
            ]
        )


@dataclass(frozen=True)
class CsvText:
    """An uploaded list as text, with the name of the encoding it was read in and
    what the report must say about that choice."""

    text: str
    encoding: str
    note: str = ""


class FileRefused(ValueError):
    """The upload cannot be read as a CSV; the message tells the editor why."""


def decode_csv(data: bytes) -> CsvText:
    """Read an uploaded list as the tools editors use write it.

    UTF-8, with or without the byte order mark that Excel's "CSV UTF-8" puts
    first, and UTF-16 with its byte order mark, are read as such. Other bytes that
    are not UTF-8 are read as Windows-1252, what Excel on Windows saves as "CSV
    (Comma delimited)" (and which ASCII and Latin-1 text also is), and the report
    says so and names the lines where the guess matters, so an editor can check
    those few addresses. Anything else (a workbook, an image, bytes that are no
    character in either encoding, a marked file that breaks its own encoding) is
    refused before a row is stored, naming the first line that cannot be read.

    (Decoding with replacement characters, as before, turned each accented
    address into "not a valid email address" without a word about why.)
    """
    for mark, codec, name in BYTE_ORDER_MARKS:
        if data.startswith(mark):
            data = data[len(mark) :]
            try:
                text = data.decode(codec)
            except UnicodeDecodeError as error:
                line = data[: error.start].decode(codec, "replace").count("\n") + 1
                raise FileRefused(
                    FILE_DAMAGED.format(encoding=name, line=line)
                ) from None
            if "\x00" in text:
                line = text[: text.index("\x00")].count("\n") + 1
                raise FileRefused(FILE_NOT_TEXT.format(line=line))
            return CsvText(text, name)
    if data.startswith(ZIP_SIGNATURE):
        raise FileRefused(FILE_IS_WORKBOOK)
    if b"\x00" in data:  # in text, only UTF-16 and UTF-32 have these
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise FileRefused(FILE_NOT_TEXT.format(line=line))
    try:
        return CsvText(data.decode("utf-8"), "UTF-8")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise FileRefused(FILE_BAD_BYTES.format(line=line)) from None
    lines = [
        str(number)
        for number, line in enumerate(text.split("\n"), start=1)
        if not line.isascii()
    ]
    shown = ", ".join(lines[:10]) + (
        f" and {len(lines) - 10} more" if lines[10:] else ""
    )
    return CsvText(text, "Windows-1252", FILE_READ_AS_CP1252.format(lines=shown))


@dataclass
class ImportReport:
    imported: int = 0
    confirmed: int = 0
    errors: list[str] = field(default_factory=list)
    encoding: str = "UTF-8"
    notes: list[str] = field(default_factory=list)


def _parse_when(value: str) -> datetime.datetime | None:
    value = value.strip()
    if not value:
        return None
    moment = parse_datetime(value)
    if moment is None:
        day = parse_date(value)
        if day is None:
            raise ValueError(value)
        moment = datetime.datetime.combine(day, datetime.time())
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, datetime.UTC)
    return moment


def import_subscribers(upload: CsvText) -> ImportReport:
    """Import rows; each bad row is reported by its line number, the rest go in.

    Only rows that say `consented: yes` become confirmed subscribers; the others
    are stored as pending and receive nothing until they confirm themselves.
    """
    report = ImportReport(
        encoding=upload.encoding, notes=[upload.note] if upload.note else []
    )
    reader = csv.DictReader(io.StringIO(upload.text, newline=""))
    line = 1  # where the row being read starts, for a line csv cannot read
    try:
        if not reader.fieldnames or "email" not in [
            name.strip().lower() for name in reader.fieldnames
        ]:
            report.errors.append(FILE_NO_EMAIL_COLUMN)
            return report
        newsletters = {n.slug: n for n in Newsletter.objects.all()}
        defaults = [n for n in newsletters.values() if n.is_default]
        line = reader.line_num + 1
        for row in reader:
            # Cells past the header's columns (restkey None) are ignored.
            row = {
                key.strip().lower(): (value or "").strip()
                for key, value in row.items()
                if key is not None
            }
            try:
                _import_row(row, newsletters, defaults, report)
            except ValueError as error:
                report.errors.append(f"Line {reader.line_num}: {error}")
            line = reader.line_num + 1
    except csv.Error as error:
        # The csv module cannot find where the next row starts: stop, and say so.
        report.errors.append(f"Line {line}: {ROW_NOT_CSV.format(error=error)}")
    return report


def _import_row(row: dict, newsletters: dict, defaults: list, report) -> None:
    email = normalize_email(row.get("email", ""))
    try:
        validate_email(email)
    except ValidationError:
        raise ValueError(ROW_BAD_EMAIL) from None
    slugs = [s.strip() for s in row.get("newsletters", "").split(";") if s.strip()]
    chosen = []
    for slug in slugs:
        if slug not in newsletters:
            raise ValueError(ROW_UNKNOWN_NEWSLETTER.format(slug=slug))
        chosen.append(newsletters[slug])
    consent = row.get("consented", "").lower()
    if consent not in YES | NO:
        raise ValueError(ROW_BAD_CONSENT.format(value=row.get("consented", "")))
    try:
        consented_at = _parse_when(row.get("consented_at", ""))
    except ValueError:
        raise ValueError(ROW_BAD_DATE.format(value=row.get("consented_at"))) from None
    consented = consent in YES
    with transaction.atomic():
        if Subscriber.objects.filter(email=email).exists():
            raise ValueError(ROW_DUPLICATE)
        moment = consented_at or timezone.now()
        subscriber = Subscriber.objects.create(
            email=email,
            source="import",
            status=Subscriber.Status.CONFIRMED
            if consented
            else Subscriber.Status.PENDING,
            consent_text=IMPORT_CONSENT_TEXT if consented else "",
            consent_at=moment if consented else None,
            confirmed_at=moment if consented else None,
        )
        subscriber.newsletters.set(chosen or defaults)
    report.imported += 1
    report.confirmed += int(consented)

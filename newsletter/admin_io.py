"""CSV export and import of subscribers (used by the admin)."""

import csv
import datetime
import io
from collections.abc import Iterable, Iterator
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
FILE_NO_EMAIL_COLUMN = "The file has no 'email' column in its first line."


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


@dataclass
class ImportReport:
    imported: int = 0
    confirmed: int = 0
    errors: list[str] = field(default_factory=list)


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


def import_subscribers(file) -> ImportReport:
    """Import rows; each bad row is reported by its line number, the rest go in.

    Only rows that say `consented: yes` become confirmed subscribers; the others
    are stored as pending and receive nothing until they confirm themselves.
    """
    report = ImportReport()
    text = io.StringIO(file.read().decode("utf-8-sig", errors="replace"), newline="")
    reader = csv.DictReader(text)
    if not reader.fieldnames or "email" not in [
        name.strip().lower() for name in reader.fieldnames
    ]:
        report.errors.append(FILE_NO_EMAIL_COLUMN)
        return report
    newsletters = {n.slug: n for n in Newsletter.objects.all()}
    defaults = [n for n in newsletters.values() if n.is_default]
    for line, row in _numbered(reader):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}
        try:
            _import_row(row, newsletters, defaults, report)
        except ValueError as error:
            report.errors.append(f"Line {line}: {error}")
    return report


def _numbered(reader: csv.DictReader) -> Iterable[tuple[int, dict]]:
    for row in reader:
        yield reader.line_num, row


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

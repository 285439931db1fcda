"""Bar charts for admin pages, drawn on the server as SVG: the last DAYS days,
counted per day in one query, and the bars' geometry. No script; each chart comes
with its numbers in a table (templates/admin/includes/bar_chart.html)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count
from django.db.models.functions import TruncDate
from django.utils import timezone

DAYS = 30
CHART_HEIGHT = 120
BAR_WIDTH = 14
GAP = 4


@dataclass
class Bar:
    x: int
    y: int
    height: int
    css: str
    label: str


def days(today: date) -> list[date]:
    return [today - timedelta(days=n) for n in range(DAYS - 1, -1, -1)]


def since(day_list: list[date]):
    """The first instant of the first day, in the current time zone."""
    return timezone.make_aware(
        timezone.datetime.combine(day_list[0], timezone.datetime.min.time())
    )


def per_day(queryset, field: str, start, day_list: list[date]) -> list[dict]:
    rows = (
        queryset.filter(**{f"{field}__gte": start})
        .annotate(day=TruncDate(field))
        .values("day")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts = {row["day"]: row["n"] for row in rows}
    return [{"day": day, "count": counts.get(day, 0)} for day in day_list]


def stacked_bars(rows: list[dict], series: list[str]) -> tuple[list[Bar], int]:
    top = max([sum(row[s] for s in series) for row in rows] + [1])
    bars = []
    for index, row in enumerate(rows):
        x = 30 + index * (BAR_WIDTH + GAP)
        base = CHART_HEIGHT
        for name in series:
            height = round(row[name] * CHART_HEIGHT / top)
            if height:
                base -= height
                bars.append(
                    Bar(
                        x,
                        base,
                        height,
                        f"dash-{name}",
                        f"{row['day']:%d %b}: {row[name]} {name}",
                    )
                )
    return bars, top


def simple_bars(rows: list[dict]) -> tuple[list[Bar], int]:
    top = max([row["count"] for row in rows] + [1])
    bars = []
    for index, row in enumerate(rows):
        height = round(row["count"] * CHART_HEIGHT / top)
        if height:
            x = 30 + index * (BAR_WIDTH + GAP)
            bars.append(
                Bar(
                    x,
                    CHART_HEIGHT - height,
                    height,
                    "dash-bar",
                    f"{row['day']:%d %b}: {row['count']}",
                )
            )
    return bars, top


def count_chart(key: str, title: str, queryset, field: str, *, today=None) -> dict:
    """Everything bar_chart.html draws for "how many rows per day by `field`"."""
    day_list = days(today or timezone.localdate())
    rows = per_day(queryset, field, since(day_list), day_list)
    bars, top = simple_bars(rows)
    width = 30 + DAYS * (BAR_WIDTH + GAP)
    return {
        "key": key,
        "title": title,
        "rows": rows,
        "bars": bars,
        "top": top,
        "width": width,
        "height": CHART_HEIGHT + 30,
        "chart_height": CHART_HEIGHT,
        "label_y": CHART_HEIGHT + 14,
        "first_day": day_list[0],
        "last_day": day_list[-1],
    }

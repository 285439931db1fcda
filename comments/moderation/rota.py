"""The moderation rota: when moderators are on duty, and what discussions do when
they are not.

The weekly shifts and the exceptions (holidays) are edited on the moderation
settings page, in the site's time zone (settings.TIME_ZONE). With none entered,
moderators are always on duty and nothing here changes a discussion. Outside the
rota, discussions are held for review or closed (conf.outside_rota), and readers
are told when comments reopen.

The rota is read once per process and kept in memory (conf.SharedMemo), reloaded
when the settings page is saved: the article page and every post ask it, without a
query. Pages cached across a change of window are refreshed by a periodic job of
the task worker (announce_window_changes), not by a cron job outside the app.
"""

from __future__ import annotations

import datetime
import zoneinfo
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from core.weekdays import Weekday

from .. import conf

# How far ahead to look for the next shift (a rota may have a week off).
LOOK_AHEAD_DAYS = 21


@dataclass(frozen=True)
class Rota:
    """Shifts by weekday and exceptions by date, as (start, end) local times."""

    shifts: dict[int, tuple[tuple[datetime.time, datetime.time], ...]] = field(
        default_factory=dict
    )
    exceptions: dict[datetime.date, tuple[datetime.time, datetime.time] | None] = field(
        default_factory=dict
    )

    @property
    def is_empty(self) -> bool:
        return not self.shifts and not self.exceptions


def _load() -> Rota:
    from .models import RotaException, RotaShift

    shifts: dict[int, list] = {}
    for shift in RotaShift.objects.filter(moderation_settings_id=1):
        shifts.setdefault(shift.weekday, []).append((shift.starts, shift.ends))
    exceptions = {
        row.date: (row.starts, row.ends) if row.starts and row.ends else None
        for row in RotaException.objects.filter(moderation_settings_id=1)
    }
    return Rota(
        shifts={day: tuple(sorted(times)) for day, times in shifts.items()},
        exceptions=exceptions,
    )


_rota = conf.SharedMemo("comments:rota-version", _load)


def current() -> Rota:
    return _rota.get()


def rota_changed() -> None:
    """Call after the shifts or exceptions change (on commit): every process
    reloads, and cached pages are refreshed if the window changed with it."""
    _rota.changed()
    announce_window_changes()


def _zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def _at(day: datetime.date, time: datetime.time) -> datetime.datetime:
    """A local wall-clock time as an aware datetime (zoneinfo resolves a time a
    daylight-saving change skips or repeats by its first reading)."""
    return datetime.datetime.combine(day, time, tzinfo=_zone())


def shifts_on(rota: Rota, day: datetime.date) -> list[tuple]:
    """The on-duty intervals that start on `day`, as aware datetimes. One that
    ends at or before it starts ends the next day."""
    if day in rota.exceptions:
        hours = rota.exceptions[day]
        times = [hours] if hours else []
    else:
        times = rota.shifts.get(day.weekday(), ())
    intervals = []
    for starts, ends in times:
        end_day = day if ends > starts else day + datetime.timedelta(days=1)
        intervals.append((_at(day, starts), _at(end_day, ends)))
    return intervals


def on_duty(at: datetime.datetime | None = None, *, rota: Rota | None = None) -> bool:
    """Are moderators on duty at `at`? Always, when no rota is entered."""
    rota = rota or current()
    if rota.is_empty:
        return True
    at = at or timezone.now()
    today = at.astimezone(_zone()).date()
    for day in (today - datetime.timedelta(days=1), today):
        if any(starts <= at < ends for starts, ends in shifts_on(rota, day)):
            return True
    return False


def next_opening(
    at: datetime.datetime | None = None, *, rota: Rota | None = None
) -> datetime.datetime | None:
    """When moderators are next on duty after `at` (None: no shift ahead)."""
    rota = rota or current()
    at = at or timezone.now()
    today = at.astimezone(_zone()).date()
    for offset in range(-1, LOOK_AHEAD_DAYS):
        for starts, ends in shifts_on(rota, today + datetime.timedelta(days=offset)):
            if starts > at or (starts <= at < ends):
                return starts if starts > at else at
    return None


def reopens_message(opening: datetime.datetime | None, *, at=None) -> str:
    """ "Comments reopen at 07:00", with the day when it is not today.

    Never "tomorrow": a page cached before midnight is still read after it.
    """
    if opening is None:
        return "Comments reopen when moderators are back."
    local = opening.astimezone(_zone())
    today = (at or timezone.now()).astimezone(_zone()).date()
    time = f"{local:%H:%M}"
    if local.date() == today:
        return f"Comments reopen at {time}."
    return f"Comments reopen at {time} on {local:%A} {local.day} {local:%B}."


# --- Refreshing cached pages when a window opens or closes ------------------------

LAST_STATE_KEY = "comments:rota-on-duty"


def announce_window_changes() -> bool | None:
    """A periodic job of the task worker (TASKS_PERIODIC_JOBS): when moderators
    came on or went off duty since the last run, every cached page is refreshed
    (the discussion's form and its "reopen at" line change on every article).
    Returns the new state when it changed, else None."""
    from articles.cache import site_changed

    state = on_duty()
    try:
        last = cache.get(LAST_STATE_KEY)
        cache.set(LAST_STATE_KEY, state, timeout=None)
    except Exception:  # noqa: BLE001 - without the cache there are no cached pages
        return None
    if last == state:
        return None
    site_changed()  # (also on a first run, or after the cache lost the key)
    return state


def weekly_hours(rota: Rota | None = None) -> list[tuple[str, str]]:
    """The rota as readers read it: ("Monday", "07:00–23:00"), one row a weekday."""
    rota = rota or current()
    rows = []
    for day in Weekday:
        times = rota.shifts.get(day.value, ())
        hours = ", ".join(f"{s:%H:%M}–{e:%H:%M}" for s, e in times)
        rows.append((day.label, hours or "no moderators"))
    return rows


def coming_exceptions(
    *, days: int = 60, at: datetime.datetime | None = None, rota: Rota | None = None
) -> list[tuple[datetime.date, str]]:
    """Days off the weekly pattern in the coming `days`, in date order."""
    rota = rota or current()
    today = (at or timezone.now()).astimezone(_zone()).date()
    last = today + datetime.timedelta(days=days)
    return [
        (day, f"{hours[0]:%H:%M}–{hours[1]:%H:%M}" if hours else "no moderators")
        for day, hours in sorted(rota.exceptions.items())
        if today <= day <= last
    ]

"""Registries for "Download my data" and "Delete my account".

Each app that stores personal data registers, in its AppConfig.ready():

- an exporter: `register_exporter("comments", func)` where `func(user)` returns
  JSON-serialisable data (a list or dict) for the download, and
- an eraser: `register_eraser(func)` where `func(user)` removes or anonymises that
  app's personal data before the user row is deleted, in the same transaction, so
  nothing in the database points at the removed user afterwards.

The accounts app builds the export file and runs the erasers; it knows no other app.
"""

from collections.abc import Callable
from typing import Any

Exporter = Callable[[Any], Any]
Eraser = Callable[[Any], None]

_exporters: dict[str, Exporter] = {}
_erasers: list[Eraser] = []


def register_exporter(name: str, exporter: Exporter) -> None:
    _exporters[name] = exporter


def register_eraser(eraser: Eraser) -> None:
    if eraser not in _erasers:
        _erasers.append(eraser)


def exporters() -> dict[str, Exporter]:
    return dict(_exporters)


def erasers() -> list[Eraser]:
    return list(_erasers)

"""A queryset's SQL, compiled once per process and database, run with new ids.

The signed-in article page asks the same questions for every reader, with only ids
changing: their marks in the discussion, the newsletters they receive. Django
compiles a queryset's SQL each time it is evaluated, and for those queries the
compiling cost twice what running them did (1.0 ms against 0.5 ms for the marks'
union of three selects on PostgreSQL; issue 17's signed-in budget). A
`CompiledQuery` keeps the SQL Django wrote for the queryset and runs it again with
other values in the placeholders' places: the SQL is still Django's, built from the
models, and a changed model changes it at the next start.

The placeholders are ints that no real id takes (negative); the queryset built with
them must pass each one as a query parameter exactly where the value goes. Use them
for ids compared through a foreign key or an auto primary key only: Django checks
the range of other integer fields and would drop a negative value from the query.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import connections
from django.db.models import QuerySet

# Ids are positive: these never collide with one, nor with the constants a query
# carries (0, 1, 2 ...).
PLACEHOLDER_BASE = -7_340_000


@dataclass(frozen=True)
class _Slot:
    """Where a value given to `rows` goes among the parameters."""

    name: str


class CompiledQuery:
    """`CompiledQuery(lambda article, user: Model.objects.filter(...), "article",
    "user").rows(article=4, user=13)`: the queryset's rows as tuples."""

    def __init__(self, build: Callable[..., QuerySet], *names: str) -> None:
        self.build = build
        self.placeholders = {
            name: PLACEHOLDER_BASE - number for number, name in enumerate(names)
        }
        self._compiled: dict[str, tuple[str, list]] = {}

    def compiled(self, using: str) -> tuple[str, list]:
        """The SQL and its parameters: constants, and slots for the values."""
        found = self._compiled.get(using)
        if found is None:
            queryset = self.build(**self.placeholders)
            sql, params = queryset.query.get_compiler(using).as_sql()
            names = {value: name for name, value in self.placeholders.items()}
            slots = [
                _Slot(names[param]) if _is_int(param) and param in names else param
                for param in params
            ]
            missing = set(self.placeholders) - {
                slot.name for slot in slots if isinstance(slot, _Slot)
            }
            if missing:
                raise ValueError(f"the query does not use {sorted(missing)}")
            found = self._compiled[using] = (sql, slots)
        return found

    def rows(self, *, using: str = "default", **values: int) -> list[tuple]:
        for name, value in values.items():
            if not _is_int(value):  # None would need IS NULL, not = NULL
                raise TypeError(f"{name} must be an int, not {value!r}")
        sql, slots = self.compiled(using)
        params = [
            values[slot.name] if isinstance(slot, _Slot) else slot for slot in slots
        ]
        with connections[using].cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)

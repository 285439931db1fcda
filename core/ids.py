"""Ids from requests: what the database can be asked about.

Every id read from a request goes through one of these, never ``int()`` on the raw
value: ``"²".isdigit()`` is true but ``int("²")`` fails, Python's ``int()`` takes
other scripts' digits, signs, spaces and underscores, and a number past the
database's integers fails in the query (OverflowError on SQLite, "out of range" on
PostgreSQL), each as a 500.
"""

import re

from django import forms
from django.core.exceptions import ValidationError

# Ids are BigAutoField (PostgreSQL's bigint, SQLite's INTEGER): no row has a larger
# one, and the database cannot even be asked about it.
MAX_ID = 2**63 - 1
ROW_ID = re.compile(r"[1-9][0-9]{0,18}")


def is_row_id(value) -> bool:
    """A database id as a form sends it: ASCII digits, from 1 to MAX_ID."""
    text = str(value)
    return ROW_ID.fullmatch(text) is not None and int(text) <= MAX_ID


class IdField(forms.IntegerField):
    """A row's id from a request: a whole number from 1 to MAX_ID."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if not is_row_id(value):  # int() would read "١٢", "+5", " 7 " or "1_000"
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return int(value)


class IdListField(forms.Field):
    """Several ids (ticked boxes). One bad value spoils the list: a forged or
    garbled selection is refused whole rather than half carried out."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {"invalid": "Enter ids (whole numbers) only."}

    def to_python(self, value) -> list[int]:
        if value in self.empty_values:
            return []
        if not isinstance(value, list | tuple):
            value = [value]
        item = IdField()
        try:
            return [item.clean(each) for each in value]
        except ValidationError:
            raise ValidationError(
                self.error_messages["invalid"], code="invalid"
            ) from None

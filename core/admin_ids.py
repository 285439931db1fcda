"""Ids sent to the admin are checked before Django's admin asks the database.

Django's admin (5.2) trusts a few values that its own pages send, and a forged or
garbled request makes it answer 500 instead of refusing them:

- ``_to_field=`` left empty on a change or delete page: ``get_object()`` looks for
  a model field named "" (FieldDoesNotExist);
- the ticked rows of an action (``_selected_action``) are filtered with
  ``pk__in`` unchecked: "abc" or "²" is a ValueError, and a number past the
  database's integers an OverflowError on SQLite or a DataError on PostgreSQL;
- an autocomplete field shown again with such a value looks it up the same way to
  print the chosen row's name;
- a many-to-many field checks each value with an exact lookup, which Django guards
  against numbers too large for the database, then all of them with ``__in``,
  which it does not; the rows of a list_editable changelist are fetched the same
  way;
- a null byte in a list filter reaches PostgreSQL, which refuses it in text;
- a date-hierarchy year too large for a date (``?created__year=99999…``) is an
  OverflowError, and 9999 a ValueError when the year after it is computed.

Every ModelAdmin of ours inherits CheckedIdsAdmin (or CheckedIdsMixin), which
refuses those values with the admin's usual messages and form errors. One rule,
``is_usable_id()``, says what the database can be asked about.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.core.exceptions import ValidationError
from django.db import connections, router
from django.db.models import Model
from django.shortcuts import redirect

from .ids import is_row_id

BAD_SELECTION = (
    "The selection was not understood, so nothing was changed. Select the items again."
)


def is_usable_id(model: type[Model], field_name: str | None, value) -> bool:
    """Whether rows of `model` whose `field_name` (the primary key if None) is
    `value` can be looked up: the value converts, and fits the database's column."""
    if field_name in (None, "pk"):
        field = model._meta.pk
    else:
        field = model._meta.get_field(field_name)
    raw = value
    try:
        value = field.to_python(value)
    except (ValidationError, TypeError, ValueError):
        return False
    if isinstance(value, int):
        if field.primary_key:  # our ids as our forms send them
            return is_row_id(raw)
        if not str(raw).strip().isascii():  # int() reads "١٢" too; a form never
            return False
        ops = connections[router.db_for_read(model)].ops
        try:
            low, high = ops.integer_field_range(field.get_internal_type())
        except KeyError:  # not an integer column: to_python was the check
            return True
        return (low is None or value >= low) and (high is None or value <= high)
    return True


class CheckedModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    def _check_values(self, value):
        model = self.queryset.model
        for each in value:
            if not is_usable_id(model, self.to_field_name, each):
                raise ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": each},
                )
        return super()._check_values(value)


class _ChosenRowsWithUsableIds:
    """Autocomplete widgets look up the chosen rows to print their names."""

    def optgroups(self, name, value, attr=None):
        remote = self.field.remote_field
        to_field = getattr(remote, "field_name", None)
        usable = [
            each
            for each in value
            if str(each) in self.choices.field.empty_values
            or is_usable_id(remote.model, to_field, each)
        ]
        return super().optgroups(name, usable, attr)


class CheckedAutocompleteSelect(_ChosenRowsWithUsableIds, AutocompleteSelect):
    def create_option(self, name, value, label, *args, **kwargs):
        # Django's "nothing chosen" option is empty, which HTML does not allow
        # (an <option> needs text or a label): it says what it means.
        if value == "" and not label:
            label = "(none)"
        return super().create_option(name, value, label, *args, **kwargs)


class CheckedAutocompleteSelectMultiple(
    _ChosenRowsWithUsableIds, AutocompleteSelectMultiple
):
    pass


class CheckedChangeList(ChangeList):
    """Django's list, with the filter values it lets through to the database
    refused as bad filters instead (the list then reloads unfiltered)."""

    def get_filters(self, request):
        if any(
            "\x00" in value for _, values in request.GET.lists() for value in values
        ):
            # PostgreSQL cannot store or compare a null byte in text.
            raise IncorrectLookupParameters("A null byte in the filters.")
        try:
            return super().get_filters(request)
        except (OverflowError, ValueError) as error:
            # What Django does with a year it cannot read: the list with ?e=1.
            raise IncorrectLookupParameters(error) from error


class CheckedIdsMixin:
    """For ModelAdmin and inlines alike: the form fields and widgets of relations."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(
            request
        ):
            kwargs["widget"] = CheckedAutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(
            request
        ):
            kwargs["widget"] = CheckedAutocompleteSelectMultiple(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        kwargs.setdefault("form_class", CheckedModelMultipleChoiceField)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_object(self, request, object_id, from_field=None):
        # An empty "_to_field" means the primary key, as no "_to_field" does.
        return super().get_object(request, object_id, from_field or None)

    def get_changelist(self, request, **kwargs):
        return CheckedChangeList

    def _get_list_editable_queryset(self, request, prefix):
        # Django checks that the edited rows' ids convert, not that they fit.
        edited = self._get_edited_object_pks(request, prefix)
        if not all(is_usable_id(self.model, None, each) for each in edited):
            return self.get_queryset(request)  # as Django does for tampered ids
        return super()._get_list_editable_queryset(request, prefix)

    def response_action(self, request, queryset):
        selected = request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)
        if not all(is_usable_id(self.model, None, each) for each in selected):
            self.message_user(request, BAD_SELECTION, messages.ERROR)
            return redirect(request.get_full_path())  # nothing changed
        return super().response_action(request, queryset)


class CheckedIdsAdmin(CheckedIdsMixin, admin.ModelAdmin):
    pass

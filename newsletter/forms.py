"""Newsletter forms: signup, one-click, preferences, CSV import, fill-from-recent.

Every id a request carries is read by a field here, never with `int()` in a view:
the field refuses anything that is not one of our rows with a message the page
shows next to it, before any query is built from the value.
"""

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.http import url_has_allowed_host_and_scheme

from core.ids import is_row_id

from . import admin_io
from .models import Newsletter
from .services import INVALID_EMAIL, NO_NEWSLETTER

NEWSLETTER_NOT_OURS = "That is not one of our newsletters: choose from the list."
FILE_TOO_LARGE = (
    "This file is {size}; the import takes files up to {limit}. Split the list "
    "into smaller files and import each one."
)

# Longer than any path our pages send back (an article's is under 220).
MAX_PATH = 2000


class RowChoiceField(forms.ModelMultipleChoiceField):
    """Rows chosen by id. Django checks each id by building a query with it, which
    lets a number past the database's range through to SQLite's OverflowError;
    here anything that is not a row id is refused as an invalid choice first."""

    def _check_values(self, value):
        if isinstance(value, list | tuple):
            for pk in value:
                if not is_row_id(pk):
                    raise forms.ValidationError(
                        self.error_messages["invalid_choice"],
                        code="invalid_choice",
                        params={"value": ""},
                    )
        return super()._check_values(value)


class NewsletterChoiceField(RowChoiceField):
    widget = forms.CheckboxSelectMultiple
    default_error_messages = {
        "invalid_choice": NEWSLETTER_NOT_OURS,
        "invalid_pk_value": NEWSLETTER_NOT_OURS,
        "invalid_list": NEWSLETTER_NOT_OURS,
    }

    def __init__(self, **kwargs):
        super().__init__(queryset=Newsletter.objects.all(), **kwargs)

    def label_from_instance(self, obj):
        return obj.name


class LocalPathField(forms.CharField):
    """A path on this site that our own page sent back in a hidden field (where
    the reader signed up, where to return them to).

    Never refused: a reader cannot correct a hidden field, so anything else
    (another site, a null byte, 10 KB) simply becomes "".
    """

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        super().__init__(required=False, **kwargs)

    def clean(self, value) -> str:
        path = value if isinstance(value, str) else ""
        local = (
            path.startswith("/")
            and len(path) <= MAX_PATH
            and "\x00" not in path
            and url_has_allowed_host_and_scheme(path, allowed_hosts=None)
        )
        return path if local else ""


class HoneypotField(forms.Field):
    """Hidden from people, filled in by naive bots: cleaned to whether it was
    filled, never refused, so a bot gets the usual answer whatever it sends."""

    def __init__(self, **kwargs):
        super().__init__(required=False, **kwargs)

    def clean(self, value) -> bool:
        return bool(value)


class SignupForm(forms.Form):
    email = forms.EmailField(
        label="Your email address",
        max_length=254,
        error_messages={"invalid": INVALID_EMAIL, "required": INVALID_EMAIL},
        widget=forms.EmailInput(
            attrs={"autocomplete": "email", "placeholder": "name@example.com"}
        ),
    )
    newsletters = NewsletterChoiceField(
        label="Newsletters", error_messages={"required": NO_NEWSLETTER}
    )
    website = HoneypotField(label="Leave this empty")
    source = LocalPathField()

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()


class OneClickForm(forms.Form):
    """A signed-in reader's one-click signup on article pages: no newsletter
    ticked means the default ones."""

    newsletters = NewsletterChoiceField(label="Newsletters", required=False)
    next = LocalPathField()


class PreferencesForm(forms.Form):
    newsletters = NewsletterChoiceField(
        required=False,
        label="Your newsletters",
        help_text="Untick them all to stop every newsletter.",
    )


class ImportForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text="Columns: email, newsletters (slugs separated by ';', empty for "
        "the default), consented (yes or no), consented_at (optional, ISO date). "
        "UTF-8 is best (Excel: “CSV UTF-8”); UTF-16 and Windows-1252 are read too.",
    )

    def clean_file(self) -> admin_io.CsvText:
        """The file's text, or a message next to the field saying why it cannot be
        read (too large, not text, an encoding we cannot tell): a refused file
        imports nothing."""
        upload = self.cleaned_data["file"]
        limit = settings.NEWSLETTER_IMPORT_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                FILE_TOO_LARGE.format(
                    size=filesizeformat(upload.size), limit=filesizeformat(limit)
                ),
                code="too_large",
            )
        try:
            return admin_io.decode_csv(upload.read())
        except admin_io.FileRefused as refused:
            raise forms.ValidationError(str(refused), code="unreadable") from None


class FillForm(forms.Form):
    days = forms.IntegerField(
        label="Articles published in the last N days", min_value=1, max_value=90
    )

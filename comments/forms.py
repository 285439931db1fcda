"""Forms for taking part. The rules live in services.py; forms only shape input.

Ids go through core.ids.
"""

from django import forms

from core.ids import IdField

from . import conf
from .models import Report


class AsksDisplayName(forms.Form):
    """A reader without a display name may choose one as they post (optional:
    left empty, they appear as "A reader"). Templates show the field only to
    readers without a name; views save it with accounts.services.display_name_set.
    """

    display_name = forms.CharField(label="Display name (optional)", required=False)


class CommentForm(AsksDisplayName):
    body = forms.CharField(
        label="Your comment",
        widget=forms.Textarea(attrs={"rows": 5}),
        strip=False,
        required=False,  # services.py gives the one "empty" message
    )
    parent = IdField(required=False)
    # Honeypot: hidden from people by CSS; bots fill it in.
    website = forms.CharField(required=False, label="Leave this empty")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_length = conf.max_length()
        self.fields["website"].widget.attrs.update(
            {"autocomplete": "off", "tabindex": "-1"}
        )


class EditForm(forms.Form):
    body = forms.CharField(
        label="Edit your comment",
        widget=forms.Textarea(attrs={"rows": 5}),
        strip=False,
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_length = conf.max_length()


class ReportForm(forms.Form):
    reason = forms.ChoiceField(
        label="Why are you reporting this comment?",
        choices=Report.Reason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a reason for the report."},
    )
    note = forms.CharField(
        label="Anything moderators should know? (optional)",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": "Keep the note to 500 characters."},
    )

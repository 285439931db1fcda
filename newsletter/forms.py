"""Newsletter forms: signup, preferences, CSV import, fill-from-recent."""

from django import forms

from .models import Newsletter
from .services import INVALID_EMAIL, NO_NEWSLETTER


class NewsletterChoiceField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj):
        return obj.name


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
        queryset=Newsletter.objects.all(),
        label="Newsletters",
        error_messages={"required": NO_NEWSLETTER},
    )
    # Honeypot: hidden from people, filled in by naive bots.
    website = forms.CharField(required=False, label="Leave this empty")
    source = forms.CharField(required=False, max_length=200, widget=forms.HiddenInput)

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()


class PreferencesForm(forms.Form):
    newsletters = NewsletterChoiceField(
        queryset=Newsletter.objects.all(),
        required=False,
        label="Your newsletters",
        help_text="Untick them all to stop every newsletter.",
    )


class ImportForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text="Columns: email, newsletters (slugs separated by ';', empty for "
        "the default), consented (yes or no), consented_at (optional, ISO date).",
    )


class FillForm(forms.Form):
    days = forms.IntegerField(
        label="Articles published in the last N days", min_value=1, max_value=90
    )

"""Forms: allauth's sign-up with a display name, profile settings, account deletion."""

from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core import validators

from .names import DISPLAY_NAME_MAX, DISPLAY_NAME_REQUIRED, validate_display_name

EMAIL_MAX = 254  # accounts.User.email
EMAIL_TOO_LONG = "An email address can be at most 254 characters long."
BIO_MAX = 500
BIO_TOO_LONG = "Your bio can be at most 500 characters long."
WRONG_PASSWORD = "That is not your password. Your account has not been deleted."  # noqa: S105
WRONG_CODE = "That code is wrong or has expired. Your account has not been deleted."
CONFIRM_REQUIRED = "Tick the box to confirm that you want to delete your account."


class SignupForm(AllauthSignupForm):
    """allauth's sign-up form plus an optional public display name."""

    display_name = forms.CharField(
        label="Display name (optional)",
        required=False,
        # One over the limit so the rule's own message shows, not the browser's.
        max_length=DISPLAY_NAME_MAX + 1,
        help_text="Shown next to your comments instead of your email address. "
        "You can set it later.",
        widget=forms.TextInput(attrs={"autocomplete": "nickname"}),
    )
    field_order = ["email", "display_name", "password1", "password2"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        email = self.fields["email"]
        email.max_length = EMAIL_MAX
        email.validators.append(
            validators.MaxLengthValidator(EMAIL_MAX, message=EMAIL_TOO_LONG)
        )
        email.widget.attrs["maxlength"] = EMAIL_MAX

    def clean_display_name(self) -> str:
        value = self.cleaned_data.get("display_name", "")
        if not value.strip():
            return ""
        return validate_display_name(value)

    def try_save(self, request):
        """Do a new account's slowest work for a taken address too.

        allauth answers a sign-up with a taken address with the same page as a new
        one, but only a new account hashes its password: hundreds of milliseconds
        that would tell, by timing alone, that the address has an account. The
        hash is computed and thrown away so both paths take the same time
        (bench/enumeration_timing.py measures it).
        """
        if self.account_already_exists:
            make_password(self.cleaned_data.get("password1"))
        return super().try_save(request)


class ProfileSettingsForm(forms.ModelForm):
    class Meta:
        model = get_user_model()
        fields = ["display_name", "bio", "notify_on_reply", "share_picks_in_digest"]
        labels = {
            "display_name": "Display name",
            "bio": "Short bio",
            "notify_on_reply": "Email me when someone replies to my comments",
            "share_picks_in_digest": "Quote my editors' picks, with my name, in the "
            "weekly community digest",
        }
        help_texts = {
            "display_name": "2 to 50 characters, shown next to your comments.",
            "bio": "Up to 500 characters, shown on your public profile.",
            "share_picks_in_digest": "Off unless you turn it on. You can change "
            "your mind at any time, also after a digest was drafted.",
        }
        error_messages = {"bio": {"max_length": BIO_TOO_LONG}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["display_name"].required = True
        self.fields["display_name"].error_messages["required"] = DISPLAY_NAME_REQUIRED
        self.fields["display_name"].max_length = DISPLAY_NAME_MAX + 1
        self.fields["display_name"].widget.attrs.update(
            maxlength=DISPLAY_NAME_MAX + 1, autocomplete="nickname"
        )
        self.fields["bio"].max_length = BIO_MAX + 1
        self.fields["bio"].widget.attrs.update(maxlength=BIO_MAX + 1, rows=5)

    def clean_display_name(self) -> str:
        return validate_display_name(
            self.cleaned_data.get("display_name", ""), user=self.instance
        )

    def clean_bio(self) -> str:
        bio = self.cleaned_data.get("bio", "").strip()
        if len(bio) > BIO_MAX:
            raise forms.ValidationError(BIO_TOO_LONG, code="max_length")
        return bio

    def _post_clean(self):
        # The model's own max_length would add a second, generic message.
        for name in ("display_name", "bio"):
            if name in self._errors:
                self.cleaned_data.pop(name, None)
        super()._post_clean()


class DeleteAccountForm(forms.Form):
    """Re-confirmation: the password, or an emailed code for password-less accounts."""

    confirm = forms.BooleanField(
        label="I understand that this deletes my account and cannot be undone",
        error_messages={"required": CONFIRM_REQUIRED},
    )
    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    code = forms.CharField(
        label="The code we emailed you",
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}
        ),
    )

    def __init__(self, *args, user, expected_code: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.expected_code = expected_code
        if user.has_usable_password():
            del self.fields["code"]
        else:
            del self.fields["password"]

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(WRONG_PASSWORD, code="wrong_password")
        return password

    def clean_code(self) -> str:
        from django.utils.crypto import constant_time_compare

        code = self.cleaned_data["code"].strip()
        if not self.expected_code or not constant_time_compare(
            code, self.expected_code
        ):
            raise forms.ValidationError(WRONG_CODE, code="wrong_code")
        return code

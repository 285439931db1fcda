"""allauth adapter: the site's name in every email, email sent in the background,
and the display name chosen at sign-up."""

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.db import transaction

from .tasks import send_account_email


class SiteNameSite:
    """Stands in for django.contrib.sites: allauth's templates use current_site."""

    def __init__(self, request) -> None:
        self.name = settings.SITE_NAME
        self.domain = request.get_host() if request is not None else settings.SITE_URL

    def __str__(self) -> str:
        return self.name


TOO_MANY_LOGIN_ATTEMPTS = (
    "Too many failed sign-in attempts. Please wait a few minutes before trying "
    "again, or reset your password."
)
# Ruff's S105 mistakes these message names for passwords.
EMAIL_PASSWORD_MISMATCH = "That email address and password don't match. Check them and try again, or ask for a sign-in code by email."  # noqa: S105, E501
RATE_LIMITED = "You are sending too many requests. Please wait a minute and try again."


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "too_many_login_attempts": TOO_MANY_LOGIN_ATTEMPTS,
        "email_password_mismatch": EMAIL_PASSWORD_MISMATCH,
        "rate_limited": RATE_LIMITED,
    }

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        request = getattr(self, "request", None)
        ctx = {
            "email": email,
            "current_site": SiteNameSite(request),
            "SITE_NAME": settings.SITE_NAME,
            "SITE_URL": settings.SITE_URL,
        }
        ctx.update(context)
        ctx["current_site"] = SiteNameSite(request)
        message = self.render_mail(template_prefix, email, ctx)
        html = ""
        for content, mimetype in getattr(message, "alternatives", []):
            if mimetype == "text/html":
                html = content
        kwargs = {
            "subject": message.subject,
            "body": message.body,
            "html": html,
            "from_email": message.from_email,
            "to": list(message.to),
            "headers": dict(message.extra_headers),
        }
        transaction.on_commit(lambda: send_account_email.enqueue(**kwargs))

    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=False)
        user.display_name = form.cleaned_data.get("display_name", "") or ""
        if commit:
            user.save()
        return user

"""Demo: a verified reader who can comment straight away, and a verified address
for the demo editor (created by the demo command before this runs) so allauth's
mandatory verification lets them sign in."""

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model

from articles.management.commands.demo import ensure_demo_user

READER_EMAIL = "reader@example.com"
EDITOR_EMAIL = "editor@example.com"


def _verify(user, email: str) -> None:
    EmailAddress.objects.get_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )


def load(*, stdout) -> list[dict]:
    login = ensure_demo_user(
        email=READER_EMAIL,
        display_name="Sam Reader",
        role="Reader (verified)",
        bio="Reads the long pieces on Sunday mornings.",
    )
    _verify(login["user"], READER_EMAIL)
    editor = get_user_model().objects.filter(email=EDITOR_EMAIL).first()
    if editor is not None:
        _verify(editor, EDITOR_EMAIL)
        stdout.write(
            "Staff need two-factor authentication for the admin: the demo's "
            "authenticator secrets are printed below."
        )
    return [login]

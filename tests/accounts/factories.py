import factory
from allauth.account.models import EmailAddress

from accounts.models import User

PASSWORD = "correct horse battery staple"


def add_totp(user) -> None:
    """Give a user an authenticator app (TOTP), as staff need for the admin."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    TOTP.activate(user, generate_totp_secret())


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"reader{n}@example.com")
    display_name = factory.Sequence(lambda n: f"Reader {n}")
    password = factory.django.Password(PASSWORD)


class VerifiedUserFactory(UserFactory):
    """A reader with a verified address (allauth EmailAddress): may comment."""

    @factory.post_generation
    def verified_email(obj, create, extracted, **kwargs):
        if create:
            EmailAddress.objects.get_or_create(
                user=obj, email=obj.email, defaults={"verified": True, "primary": True}
            )


class StaffUserFactory(VerifiedUserFactory):
    """Staff with a verified address and an authenticator app (TOTP): the admin
    requires two-factor authentication, so tests can log them straight into it.
    `StaffUserFactory(mfa=False)` makes a staff member who has not set it up."""

    email = factory.Sequence(lambda n: f"staff{n}@example.com")
    display_name = factory.Sequence(lambda n: f"Staff {n}")
    is_staff = True
    is_superuser = True

    @factory.post_generation
    def mfa(obj, create, extracted, **kwargs):
        if create and extracted is not False:
            add_totp(obj)

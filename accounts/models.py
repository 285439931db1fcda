"""The site's user: email is the login, display_name is what readers see."""

from django.contrib.auth.models import (
    AbstractBaseUser,
    BaseUserManager,
    PermissionsMixin,
)
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra) -> "User":
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra) -> "User":
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, email: str) -> "User":
        return self.get(email__iexact=email)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(
        "email address",
        max_length=254,
        unique=True,
        error_messages={"unique": "An account with this email already exists."},
    )
    display_name = models.CharField(
        max_length=50, blank=True, help_text="Shown publicly next to comments."
    )
    bio = models.TextField(max_length=500, blank=True)
    notify_on_reply = models.BooleanField("email me when someone replies", default=True)
    trusted = models.BooleanField(
        default=False,
        help_text="Trusted readers' comments skip the first-comments, link and "
        "pre-moderation holds (word rules and reports still apply).",
    )
    trust_locked = models.BooleanField(
        "trust locked",
        default=False,
        help_text="Set by a moderator: earned trust never changes this reader's "
        "status automatically.",
    )
    trust_reason = models.CharField(
        max_length=200,
        blank=True,
        help_text="Why the reader's trust last changed, as they see it.",
    )
    share_picks_in_digest = models.BooleanField(
        "my editors' picks may appear in the community digest",
        default=False,
        help_text="Quote my comments chosen as editors' picks, with my name, in "
        "the weekly community digest newsletter.",
    )
    premoderated = models.BooleanField(
        default=False, help_text="Every comment from this reader waits for review."
    )
    commenting_suspended_until = models.DateTimeField(null=True, blank=True)
    commenting_suspended_forever = models.BooleanField(default=False)
    suspension_reason = models.CharField(max_length=300, blank=True)
    is_staff = models.BooleanField(
        "staff status",
        default=False,
        help_text="Designates whether the user can log into the admin site.",
    )
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                name="user_email_unique_ci",
                violation_error_message="An account with this email already exists.",
            )
        ]

    def __str__(self) -> str:
        return self.public_name

    def save(self, *args, **kwargs) -> None:
        # One address, one account, whatever the letter case it was typed in.
        self.email = self.email.strip().lower()
        super().save(*args, **kwargs)

    @property
    def public_name(self) -> str:
        """The name readers see: never the email address."""
        return self.display_name or "A reader"

    def get_full_name(self) -> str:
        return self.public_name

    def get_short_name(self) -> str:
        return self.public_name

    def is_commenting_suspended(self, at=None) -> bool:
        if self.commenting_suspended_forever:
            return True
        at = at or timezone.now()
        return bool(
            self.commenting_suspended_until and self.commenting_suspended_until > at
        )

"""Imported commenters and how their comments find their owners.

An import (imports/) brings comments signed with a name and, often, an email
address. With an address, the commenter becomes an UnclaimedProfile: nobody can
sign in as it. Whoever proves they own the address (allauth's email_confirmed:
verifying it at sign-up, or adding it to an account) claims it, and its comments
become theirs: shown under their name, in their data export, theirs to edit within
the window and delete. When a verified account already has the address at import
time, the comments are theirs at once.

Guests (no address, or anonymous on Disqus) keep the name on their comments and no
profile. Every imported name passes the display-name rules readers' names pass.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from accounts.names import DISPLAY_NAME_MAX, validate_display_name
from articles.cache import articles_changed

from .models import Comment, UnclaimedProfile

# Shown instead of an imported name the display-name rules refuse (a staff
# member's name, an address, invisible characters…).
REFUSED_NAME_STANDS_IN = "A reader"


def public_imported_name(name: str, *, protected_keys: list | None = None) -> str:
    """The name an imported comment is shown under: the source's, if a reader
    could have chosen it here. `protected_keys`: see validate_display_name."""
    try:
        return validate_display_name(
            " ".join(name.split())[:DISPLAY_NAME_MAX], protected_keys=protected_keys
        )
    except ValidationError:
        return REFUSED_NAME_STANDS_IN


@transaction.atomic
def claim(user, email: str) -> int:
    """Give `user` the imported comments waiting for `email`. Returns how many.

    Also those an import wrote for the address after `user` had claimed it (the
    import read the profile before the claim committed)."""
    profile = (
        UnclaimedProfile.objects.select_for_update()
        .filter(email=email.strip().lower())
        .filter(Q(claimed_by__isnull=True) | Q(claimed_by=user))
        .first()
    )
    if profile is None:
        return 0
    waiting = Comment.objects.filter(unclaimed_profile=profile, author__isnull=True)
    article_ids = set(waiting.values_list("article_id", flat=True).distinct())
    claimed = waiting.update(author=user)
    if profile.claimed_by_id is None:
        profile.claimed_by, profile.claimed_at = user, timezone.now()
        profile.save(update_fields=["claimed_by", "claimed_at"])
    # The pages show the comments under the reader's own name from now on.
    transaction.on_commit(lambda: articles_changed(article_ids))
    return claimed


def claim_for_verified_owners(emails) -> int:
    """After an import commits: addresses a reader verified while it ran (its
    transaction hid the new profiles from their claim) are theirs now."""
    from allauth.account.models import EmailAddress

    claimed = 0
    owners = EmailAddress.objects.annotate(lower=Lower("email")).filter(
        lower__in=list(emails), verified=True
    )
    for address in owners.select_related("user"):
        claimed += claim(address.user, address.email)
    return claimed


def claim_on_verified_address(sender, request, email_address, **kwargs) -> None:
    """allauth's email_confirmed: the reader owns the address; tell them what came
    with it."""
    claimed = claim(email_address.user, email_address.email)
    if claimed and request is not None:
        messages.success(
            request,
            f"Welcome back: {claimed} comment{'s' if claimed != 1 else ''} you wrote "
            f"on our previous site as {email_address.email} "
            f"{'are' if claimed != 1 else 'is'} now yours.",
        )

"""Template context every page needs: the site's name and its sections."""

from django.conf import settings
from django.utils.functional import SimpleLazyObject

from .models import Section
from .page_cache import canonical_path


def site(request) -> dict:
    return {
        "SITE_NAME": settings.SITE_NAME,
        "SITE_URL": settings.SITE_URL,
        # Lazy: pages that do not draw the navigation do not pay for the query.
        "nav_sections": SimpleLazyObject(lambda: list(Section.objects.all())),
        # Where "Sign in" brings the reader back to: no tracking parameters, which
        # would otherwise be baked into the page every anonymous reader shares.
        "return_path": canonical_path(request),
    }

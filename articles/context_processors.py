"""Template context every page needs: the site's name and its sections."""

from django.conf import settings
from django.utils.functional import SimpleLazyObject

from .models import Section


def site(request) -> dict:
    return {
        "SITE_NAME": settings.SITE_NAME,
        "SITE_URL": settings.SITE_URL,
        # Lazy: pages that do not draw the navigation do not pay for the query.
        "nav_sections": SimpleLazyObject(lambda: list(Section.objects.all())),
    }

"""Template context every page needs: the site's name and its sections."""

import time

from django.conf import settings
from django.utils.functional import SimpleLazyObject

from .cache import SITE_KEY
from .models import Section
from .page_cache import canonical_path, version_read

# The navigation's sections as last read by this process: (site version, when, list).
_drawn_sections: tuple[str, float, list[Section]] = ("", 0.0, [])


def nav_sections(request) -> list[Section]:
    """The sections, read once per change of the site version (articles.cache: a
    section saved or deleted changes it) when the page declared that version,
    and at most PAGE_CACHE_SECONDS old, as a cached page's navigation would be."""
    global _drawn_sections  # noqa: PLW0603 - one slot, replaced whole
    version = version_read(request, SITE_KEY)
    drawn_version, drawn_at, sections = _drawn_sections
    fresh = time.monotonic() - drawn_at < settings.PAGE_CACHE_SECONDS
    if version and version == drawn_version and fresh:
        return sections
    sections = list(Section.objects.all())
    if version:
        _drawn_sections = (version, time.monotonic(), sections)
    return sections


def forget_sections() -> None:
    global _drawn_sections  # noqa: PLW0603
    _drawn_sections = ("", 0.0, [])


def site(request) -> dict:
    return {
        "SITE_NAME": settings.SITE_NAME,
        "SITE_URL": settings.SITE_URL,
        # Lazy: pages that do not draw the navigation do not pay for it.
        "nav_sections": SimpleLazyObject(lambda: nav_sections(request)),
        # Where "Sign in" brings the reader back to: no tracking parameters, which
        # would otherwise be baked into the page every anonymous reader shares.
        "return_path": canonical_path(request),
    }

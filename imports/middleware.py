"""Old links of imported articles answer with a 301 to the article.

Asked only where the site has nothing (a 404), and for WordPress's short links
("/?p=ID" on the home page), whose id is read through a form field."""

from django import forms
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect

from core.ids import IdField

from .models import LegacyLink


class ShortLinkForm(forms.Form):
    p = IdField()


def _legacy_target(path: str) -> str | None:
    try:
        link = LegacyLink.objects.filter(path=path).select_related("article").first()
    except DatabaseError:  # an outage: the page's own answer stands
        return None
    return link.article.get_absolute_url() if link else None


class LegacyLinkMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        reading = request.method in ("GET", "HEAD")
        if reading and request.path == "/" and "p" in request.GET:
            form = ShortLinkForm(request.GET)
            if form.is_valid():
                target = _legacy_target(f"/?p={form.cleaned_data['p']}")
                if target:
                    return HttpResponsePermanentRedirect(target)
        response = self.get_response(request)
        if reading and response.status_code == 404:
            target = _legacy_target(request.path)
            if target:
                return HttpResponsePermanentRedirect(target)
        return response

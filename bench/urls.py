"""The site's URLs plus /bench/same-bytes/, the baseline for the page cache.

The baseline view returns the bytes of the cached article page, read once from the
file named by BENCH_PAGE_FILE, through the very same middleware stack: the best the
page cache could possibly do.
"""

import os
from pathlib import Path

from django.http import HttpResponse
from django.urls import path

from config.urls import urlpatterns as site_urlpatterns

_PAGE = Path(os.environ.get("BENCH_PAGE_FILE", "var/bench-page.html"))
_loaded: list[bytes] = []


def same_bytes(request):
    if not _loaded:  # read once per process, after the bench has captured the page
        _loaded.append(_PAGE.read_bytes())
    return HttpResponse(_loaded[0], content_type="text/html; charset=utf-8")


urlpatterns = [path("bench/same-bytes/", same_bytes), *site_urlpatterns]

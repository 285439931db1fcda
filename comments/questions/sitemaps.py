"""The answered reader questions in sitemap.xml (config/urls.py adds it), once
there is one, dated by the newest answer."""

from django.contrib.sitemaps import Sitemap
from django.db.models import Max
from django.urls import reverse

from .models import ReaderQuestion


class AnsweredQuestionsSitemap(Sitemap):
    changefreq = "daily"
    priority = 0.4

    def items(self):
        latest = ReaderQuestion.objects.answered().aggregate(latest=Max("answered_at"))
        if latest["latest"] is None:
            return []
        return [("comments:questions_answered", latest["latest"])]

    def location(self, item) -> str:
        return reverse(item[0])

    def lastmod(self, item):
        return item[1]

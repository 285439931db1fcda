"""Root URL configuration: each app owns its own urls module."""

from django.conf import settings
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.templatetags.static import static as static_url
from django.urls import include, path
from django.views.generic import RedirectView

from articles.sitemaps import sitemaps
from articles.views import robots_txt
from comments.questions.sitemaps import AnsweredQuestionsSitemap
from core.health import healthz

admin.site.site_header = f"{settings.SITE_NAME} newsroom"
admin.site.site_title = f"{settings.SITE_NAME} newsroom"
admin.site.index_title = "Newsroom administration"


class FaviconView(RedirectView):
    """/favicon.ico, which browsers and feed readers ask for whatever the page
    links: the static icon (its hashed name is known only once the app runs)."""

    def get_redirect_url(self, *args, **kwargs) -> str:
        return static_url("img/favicon.ico")


urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("profile/", include("accounts.urls")),
    path("discussion/", include("comments.urls")),
    path("newsletter/", include("newsletter.urls")),
    path(
        "sitemap.xml",
        sitemap,
        {"sitemaps": {**sitemaps, "questions": AnsweredQuestionsSitemap}},
        name="django.contrib.sitemaps.views.sitemap",
    ),
    path("robots.txt", robots_txt, name="robots_txt"),
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", FaviconView.as_view(), name="favicon"),
    path("", include("articles.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

handler404 = "articles.views.page_not_found"
handler500 = "articles.views.server_error"

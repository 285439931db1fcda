"""Reading pages: home, article, section, tag, author, search, robots.txt, errors."""

import sys

from django import forms
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.db.models import Count, Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template import loader
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_GET
from django.views.generic import DetailView, ListView, TemplateView

from .cache import LISTINGS_KEY, SITE_KEY, article_version_key
from .front_page import front_page_stories
from .models import Article, Author, FaqItem, Section, Tag
from .page_cache import declare_query, depends_on, serve_last_good_copy
from .search import search_articles

DATABASE_DOWN_ERRORS = (OperationalError, InterfaceError)
LISTING_PAGE_SIZE = 12
RELATED_COUNT = 4


class ListingPageMixin:
    """Listing pages show teasers of many articles: one version covers them all."""

    def get(self, request, *args, **kwargs):
        depends_on(request, LISTINGS_KEY, SITE_KEY)
        return super().get(request, *args, **kwargs)


class HomeView(ListingPageMixin, TemplateView):
    template_name = "articles/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["front"] = front_page_stories()
        return context


class ArticleDetailView(DetailView):
    """The article page. Staff who may change articles can preview unpublished ones."""

    template_name = "articles/article_detail.html"
    context_object_name = "article"

    def can_preview(self) -> bool:
        user = self.request.user  # readers skip the two permission queries
        return (user.is_staff or user.is_superuser) and user.has_perm(
            "articles.change_article"
        )

    def get_object(self, queryset=None) -> Article:
        article = super().get_object(queryset)
        depends_on(self.request, article_version_key(article.pk), SITE_KEY)
        return article

    def get_queryset(self):
        queryset = Article.objects.select_related("section").prefetch_related(
            "tags",
            "authors",
            Prefetch("faq_items", queryset=FaqItem.objects.order_by("position", "pk")),
            "further_reading",
        )
        return queryset if self.can_preview() else queryset.published()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        article = self.object
        tag_ids = [tag.pk for tag in article.tags.all()]
        related = (
            Article.objects.published()
            .filter(Q(section=article.section_id) | Q(tags__in=tag_ids))
            .exclude(pk=article.pk)
            .annotate(shared_tags=Count("tags", filter=Q(tags__in=tag_ids)))
            .select_related("section")
            .defer("body", "body_html")
            .order_by("-shared_tags", "-published_at")[:RELATED_COUNT]
        )
        absolute_url = settings.SITE_URL + article.get_absolute_url()
        faq_items = list(article.faq_items.all())
        context.update(
            related_articles=related,
            faq_items=faq_items,
            absolute_url=absolute_url,
            structured_data=article.structured_data(absolute_url, faq_items),
            is_preview=not article.is_published,
        )
        return context

    def render_to_response(self, context, **kwargs):
        response = super().render_to_response(context, **kwargs)
        if context["is_preview"]:
            add_never_cache_headers(response)
        return response


class ArticleListView(ListingPageMixin, ListView):
    """A paginated list of published articles under a heading (section, tag, …)."""

    template_name = "articles/article_list.html"
    paginate_by = LISTING_PAGE_SIZE
    context_object_name = "articles"
    model_class: type = Section
    relation: str = "section"

    def get_subject(self):
        return get_object_or_404(self.model_class, slug=self.kwargs["slug"])

    def get_queryset(self):
        self.subject = self.get_subject()
        return (
            Article.objects.published()
            .filter(**{self.relation: self.subject})
            .for_listing()
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(subject=self.subject, **kwargs)
        if context["page_obj"].number > 1:  # an out-of-range page is a 404 already
            declare_query(self.request, page=context["page_obj"].number)
        return context


class SectionView(ArticleListView):
    model_class = Section
    relation = "section"


class TagView(ArticleListView):
    model_class = Tag
    relation = "tags"


class AuthorView(ArticleListView):
    model_class = Author
    relation = "authors"


class SearchForm(forms.Form):
    """The search box. Text a database cannot search for (a null byte) is no query."""

    q = forms.CharField(required=False, strip=False)

    def clean_q(self) -> str:
        return self.cleaned_data["q"][:200]


class SearchView(ListView):
    template_name = "articles/search.html"
    paginate_by = LISTING_PAGE_SIZE
    context_object_name = "articles"

    def get_queryset(self):
        form = SearchForm(self.request.GET)
        self.query = form.cleaned_data["q"] if form.is_valid() else ""
        published = Article.objects.published().for_listing()
        return search_articles(published, self.query)

    def get_context_data(self, **kwargs):
        return super().get_context_data(query=self.query.strip(), **kwargs)


@require_GET
def robots_txt(request: HttpRequest) -> HttpResponse:
    # Pages readers should not find in a search engine (search results, sign-up,
    # settings…) say so with <meta name="robots" content="noindex">; a crawler
    # must be allowed to fetch them to read it, so only the admin is closed.
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        f"Sitemap: {settings.SITE_URL}/sitemap.xml",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain")


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    """Rendered without context processors or the database: they may be what broke.

    When the database is what broke, anonymous readers get the last good copy of the
    page if the cache has one, and everyone else a "back soon" page with a 503.
    """
    error = sys.exc_info()[1]
    if isinstance(error, DATABASE_DOWN_ERRORS):
        stale = serve_last_good_copy(request)
        if stale is not None:
            return stale
        response = HttpResponse(loader.get_template("503.html").render(), status=503)
        response["Retry-After"] = "30"
        response["Cache-Control"] = "no-store"
        return response
    return HttpResponse(loader.get_template("500.html").render(), status=500)

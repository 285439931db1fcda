"""Reading pages: home, article, section, tag, author, search, robots.txt, errors."""

import copy
import datetime
import sys

from django import forms
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.db.models import Count, Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template import loader
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.formats import date_format
from django.utils.http import urlencode
from django.views.decorators.http import require_GET
from django.views.generic import DetailView, ListView, TemplateView

from core.recent import Recent

from .cache import (
    HOME_KEY,
    LISTINGS_KEY,
    SEARCH_KEY,
    SITE_KEY,
    article_version_key,
    listing_version_key,
)
from .front_page import front_page_stories
from .models import Article, ArticleQuerySet, Author, FaqItem, Section, Tag
from .page_cache import (
    declare_query,
    depends_on,
    serve_last_good_copy,
    version_read,
)
from .search import (
    ResultsPaginator,
    describe_results,
    did_you_mean,
    search_articles,
)

DATABASE_DOWN_ERRORS = (OperationalError, InterfaceError)
LISTING_PAGE_SIZE = 12
RELATED_COUNT = 4


class ListingPageMixin:
    """Listing pages show teasers of many articles. Each depends on the version of
    every listing (an edit can move an article anywhere) and on its own (a comment
    count changes the pages its article's teaser is on: articles.cache)."""

    def own_version_key(self) -> str:
        raise NotImplementedError

    def get(self, request, *args, **kwargs):
        depends_on(request, LISTINGS_KEY, self.own_version_key(), SITE_KEY)
        return super().get(request, *args, **kwargs)


class HomeView(ListingPageMixin, TemplateView):
    template_name = "articles/home.html"

    def own_version_key(self) -> str:
        return HOME_KEY

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["front"] = front_page_stories()
        return context


# Articles as readers see them (with section, tags, authors, FAQ and further
# reading), by (id, page version), and which id each address's slug names. An
# article is kept only when its version was read before it was: a change during
# the read leaves it under the old version, never under the new one.
drawn_articles: Recent[Article] = Recent(size=256)
slug_ids: Recent[int] = Recent(size=4096)


class ArticleDetailView(DetailView):
    """The article page. Staff who may change articles can preview unpublished ones.

    Readers' pages take the article from this process's copy while its version
    stands: signed-in readers' pages are drawn for each of them, but the article
    is the same for all (issue 17's budget)."""

    template_name = "articles/article_detail.html"
    context_object_name = "article"

    def can_preview(self) -> bool:
        user = self.request.user  # readers skip the two permission queries
        return (user.is_staff or user.is_superuser) and user.has_perm(
            "articles.change_article"
        )

    def get_object(self, queryset=None) -> Article:
        slug = self.kwargs[self.slug_url_kwarg]
        shared = settings.PAGE_CACHE_SECONDS > 0 and not self.can_preview()
        known_id = slug_ids.get(slug) if shared else None
        version = ""
        if known_id is not None:
            depends_on(self.request, article_version_key(known_id), SITE_KEY)
            version = version_read(self.request, article_version_key(known_id))
            drawn = drawn_articles.get((known_id, version)) if version else None
            if drawn is not None and drawn.slug == slug:
                return copy.copy(drawn)
        article = super().get_object(queryset)
        if article.pk != known_id:
            depends_on(self.request, article_version_key(article.pk), SITE_KEY)
            if shared:
                slug_ids.put(slug, article.pk)
        elif version:
            drawn_articles.put((article.pk, version), copy.copy(article))
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
        is_preview = not article.is_published
        context.update(
            related_articles=related,
            faq_items=faq_items,
            absolute_url=absolute_url,
            # Called by the template only when its fragment is drawn.
            structured_data=lambda: article.structured_data(absolute_url, faq_items),
            is_preview=is_preview,
            **self._shared_parts(is_preview),
        )
        return context

    def _shared_parts(self, is_preview: bool) -> dict:
        """How the template's `{% cache %}` fragments of what every reader sees
        are kept: by the versions of the article and the site this page is drawn
        from, so that a change is a new key, and for as long as a page would be.
        Unknown versions (the cache is down) or a preview: not kept (0 s)."""
        article_version = version_read(
            self.request, article_version_key(self.object.pk)
        )
        site_version = version_read(self.request, SITE_KEY)
        drawn = f"{article_version}.{site_version}"
        keep = bool(article_version and site_version) and not is_preview
        return {
            "drawn_version": drawn if keep else "",
            "drawn_seconds": settings.PAGE_CACHE_SECONDS if keep else 0,
        }

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
    kind: str = "section"

    def get_subject(self):
        return get_object_or_404(self.model_class, slug=self.kwargs["slug"])

    def own_version_key(self) -> str:
        self.subject = self.get_subject()
        return listing_version_key(self.kind, self.subject.pk)

    def get_queryset(self):
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
    kind = "tag"


class AuthorView(ArticleListView):
    model_class = Author
    relation = "authors"
    kind = "author"


class DateInput(forms.DateInput):
    """A date picker that shows a date it was given, never text it could not read
    (a browser drops it anyway, and it is not a valid value of a date input)."""

    input_type = "date"

    def format_value(self, value):
        if isinstance(value, str):
            try:
                value = datetime.date.fromisoformat(value)
            except ValueError:
                return None
        return super().format_value(value)


class SearchForm(forms.Form):
    """The search box and its filters, read from the query string.

    A value that cannot be read (a date like 2026-13-40, a section that does not
    exist, a null byte) is an error shown beside its field, never a 500.
    """

    PERIODS = {
        "day": datetime.timedelta(days=1),
        "week": datetime.timedelta(weeks=1),
        "month": datetime.timedelta(days=31),
        "year": datetime.timedelta(days=366),
    }

    q = forms.CharField(label="Search articles", required=False, strip=False)
    section = forms.ModelChoiceField(
        queryset=Section.objects.all(),
        to_field_name="slug",
        required=False,
        empty_label="All sections",
        error_messages={"invalid_choice": "There is no such section: pick one."},
    )
    published = forms.ChoiceField(
        label="Published",
        required=False,
        choices=[
            ("", "Any time"),
            ("day", "Past day"),
            ("week", "Past week"),
            ("month", "Past month"),
            ("year", "Past year"),
        ],
        error_messages={"invalid_choice": "Pick a period from the list."},
    )
    since = forms.DateField(
        label="From",
        required=False,
        widget=DateInput(format="%Y-%m-%d"),
        error_messages={"invalid": "Enter a date like 2026-01-31."},
    )
    until = forms.DateField(
        label="To",
        required=False,
        widget=DateInput(format="%Y-%m-%d"),
        error_messages={"invalid": "Enter a date like 2026-01-31."},
    )

    def clean_q(self) -> str:
        return " ".join(self.cleaned_data["q"].split())[:200]

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and until < since:
            self.add_error("until", "The end date is before the start date.")
        for name in ("since", "until"):
            day = cleaned.get(name)
            if day and not datetime.date(1900, 1, 1) <= day <= datetime.date(
                9000, 1, 1
            ):
                self.add_error(name, "Enter a date between 1900 and 9000.")
        return cleaned

    @property
    def has_filters(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return any(
            data.get(name) for name in ("section", "published", "since", "until")
        )

    def filter(self, articles: ArticleQuerySet) -> ArticleQuerySet:
        data = self.cleaned_data
        if data["section"]:
            articles = articles.filter(section=data["section"])
        if data["published"]:
            articles = articles.filter(
                published_at__gte=timezone.now() - self.PERIODS[data["published"]]
            )
        zone = timezone.get_current_timezone()
        if data["since"]:
            start = datetime.datetime.combine(data["since"], datetime.time(), zone)
            articles = articles.filter(published_at__gte=start)
        if data["until"]:
            end = datetime.datetime.combine(
                data["until"] + datetime.timedelta(days=1), datetime.time(), zone
            )
            articles = articles.filter(published_at__lt=end)
        return articles

    def description(self) -> str:
        """The filters in words, for the line that counts the results."""
        data, words = self.cleaned_data, []
        if data["section"]:
            words.append(f" in {data['section'].name}")
        if data["published"]:
            period = dict(self.fields["published"].choices)[data["published"]]
            words.append(f", published in the {period.lower()}")
        if data["since"]:
            words.append(f", from {date_format(data['since'], 'j F Y')}")
        if data["until"]:
            words.append(f", to {date_format(data['until'], 'j F Y')}")
        return "".join(words)

    def canonical_query(self) -> dict[str, str]:
        """The parameters as the page's own links spell them, empty ones left out."""
        data = self.cleaned_data
        params = {
            "q": data["q"],
            "section": data["section"].slug if data["section"] else "",
            "published": data["published"],
            "since": data["since"].isoformat() if data["since"] else "",
            "until": data["until"].isoformat() if data["until"] else "",
        }
        return {name: value for name, value in params.items() if value}


class SearchView(ListView):
    """Search results: ranked, with snippets, filters and help when nothing matches.

    Anonymous readers' result pages are cached like any listing (a new or changed
    article refreshes them), under the canonical spelling of their query string.
    """

    template_name = "articles/search.html"
    paginate_by = LISTING_PAGE_SIZE
    paginator_class = ResultsPaginator
    context_object_name = "articles"

    def get_queryset(self):
        self.form = SearchForm(self.request.GET)
        self.query = ""
        if not self.form.is_valid():
            return Article.objects.none()
        self.query = self.form.cleaned_data["q"]
        published = self.form.filter(Article.objects.published())
        return search_articles(published, self.query)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(query=self.query, form=self.form, **kwargs)
        page = context["page_obj"]
        if self.form.is_valid():
            params = self.form.canonical_query()
            depends_on(self.request, LISTINGS_KEY, SEARCH_KEY, SITE_KEY)
            declare_query(
                self.request,
                **params,
                **({"page": page.number} if page.number > 1 else {}),
            )
            context["page_query"] = urlencode(params)
            context["unfiltered_query"] = urlencode({"q": self.query})
            context["filters_description"] = self.form.description()
            describe_results(context["articles"], self.query)
            if self.query and not page.paginator.count:
                context["suggestion"] = did_you_mean(
                    self.query, self.form.filter(Article.objects.published())
                )
                if context["suggestion"]:
                    context["suggestion_query"] = urlencode(
                        {**params, "q": context["suggestion"]}
                    )
        return context

    def render_to_response(self, context, **kwargs):
        response = super().render_to_response(context, **kwargs)
        if not self.form.is_valid():
            add_never_cache_headers(response)  # a mistake is not worth a cache entry
        return response


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

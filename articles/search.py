"""Article search: PostgreSQL full-text search, with a plain fallback on SQLite."""

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import Q

from .models import ArticleQuerySet

SEARCH_CONFIG = "english"


def search_vector() -> SearchVector:
    """The weighted document. Migration 0002 indexes exactly this expression (GIN)."""
    return (
        SearchVector("title", weight="A", config=SEARCH_CONFIG)
        + SearchVector("standfirst", weight="B", config=SEARCH_CONFIG)
        + SearchVector("body", weight="C", config=SEARCH_CONFIG)
    )


def search_articles(queryset: ArticleQuerySet, terms: str) -> ArticleQuerySet:
    terms = terms.strip()
    if not terms:
        return queryset.none()
    if connection.vendor == "postgresql":
        query = SearchQuery(terms, search_type="websearch", config=SEARCH_CONFIG)
        vector = search_vector()
        return (
            queryset.alias(document=vector)
            .filter(document=query)
            .annotate(rank=SearchRank(vector, query))
            .order_by("-rank", "-published_at")
        )
    condition = Q()
    for word in terms.split()[:8]:
        condition &= (
            Q(title__icontains=word)
            | Q(standfirst__icontains=word)
            | Q(body__icontains=word)
        )
    return queryset.filter(condition).order_by("-published_at")

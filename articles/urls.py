from django.urls import path

from . import feeds, views
from .page_cache import cache_for_anonymous

app_name = "articles"

urlpatterns = [
    path("", cache_for_anonymous(views.HomeView.as_view()), name="home"),
    path(
        "articles/<slug:slug>/",
        cache_for_anonymous(views.ArticleDetailView.as_view()),
        name="detail",
    ),
    path(
        "sections/<slug:slug>/",
        cache_for_anonymous(views.SectionView.as_view()),
        name="section",
    ),
    path("sections/<slug:slug>/rss/", feeds.SectionFeed(), name="section_feed"),
    path("tags/<slug:slug>/", cache_for_anonymous(views.TagView.as_view()), name="tag"),
    path(
        "authors/<slug:slug>/",
        cache_for_anonymous(views.AuthorView.as_view()),
        name="author",
    ),
    path("search/", cache_for_anonymous(views.SearchView.as_view()), name="search"),
    path("feeds/rss/", feeds.LatestArticlesFeed(), name="feed_rss"),
    path("feeds/atom/", feeds.LatestArticlesAtomFeed(), name="feed_atom"),
]

from django.urls import path

from articles.page_cache import cache_for_anonymous

from . import live_views, views
from .questions.urls import question_urlpatterns

app_name = "comments"

# The templates build per-comment action URLs from the permalink's prefix
# ("/discussion/comment/<pk>/…") to keep a 1,000-comment page fast: keep the
# comment/<pk>/<action>/ shape when changing these.
urlpatterns = [
    path("article/<int:article_id>/post/", views.post, name="post"),
    path("article/<int:article_id>/threads/", views.threads, name="threads"),
    # The live discussion: polled by every open article page, so cached like one.
    path(
        "article/<int:article_id>/live/",
        cache_for_anonymous(live_views.live),
        name="live",
    ),
    path(
        "article/<int:article_id>/live/comments/",
        cache_for_anonymous(live_views.live_comments),
        name="live_comments",
    ),
    path(
        "article/<int:article_id>/live/refresh/",
        live_views.refresh,
        name="live_refresh",
    ),
    path(
        "guidelines/",
        cache_for_anonymous(views.guidelines),
        name="guidelines",
    ),
    path("comment/<int:pk>/", views.permalink, name="permalink"),
    path("comment/<int:pk>/card/", views.card, name="card"),
    path("comment/<int:pk>/thread/", views.thread, name="thread"),
    path("comment/<int:pk>/reply/", views.reply, name="reply"),
    path("comment/<int:pk>/edit/", views.edit, name="edit"),
    path("comment/<int:pk>/delete/", views.delete, name="delete"),
    path("comment/<int:pk>/recommend/", views.recommend, name="recommend"),
    path("comment/<int:pk>/report/", views.report, name="report"),
    path("emails/stop-replies/<str:token>/", views.stop_replies, name="stop_replies"),
]
urlpatterns += question_urlpatterns

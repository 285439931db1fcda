"""The article's admin, with a new article's discussion set up from the
moderation settings (the default mode, the auto-close days). Registered in place
of articles/admin.py's ArticleAdmin, so articles imports nothing from comments."""

from django.contrib import admin
from django.utils import timezone

from articles.admin import ArticleAdmin
from articles.models import Article

from .. import conf


class ArticleDiscussionAdmin(ArticleAdmin):
    def get_changeform_initial_data(self, request):
        """A new article's discussion starts from the moderation settings."""
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("discussion_mode", conf.default_discussion_mode())
        days = conf.auto_close_days()
        if days > 0:
            initial.setdefault(
                "discussion_closes_at", timezone.now() + timezone.timedelta(days=days)
            )
        return initial


admin.site.unregister(Article)
admin.site.register(Article, ArticleDiscussionAdmin)

from django.apps import AppConfig
from django.db import transaction
from django.db.models.signals import post_delete, post_save


def _sections_changed(**kwargs) -> None:
    """Every page's navigation lists the sections: however a section is saved or
    deleted (admin, importer, shell), the site's version changes once committed."""
    from .cache import site_changed

    transaction.on_commit(site_changed)


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = "Articles"

    def ready(self) -> None:
        # Connects the receivers that keep each article's search document current.
        from . import search  # noqa: F401
        from .models import Section

        for signal in (post_save, post_delete):
            signal.connect(
                _sections_changed, sender=Section, dispatch_uid=f"sections-{signal}"
            )

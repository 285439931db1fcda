from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = "Articles"

    def ready(self) -> None:
        # Connects the receivers that keep each article's search document current.
        from . import search  # noqa: F401

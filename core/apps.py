from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Infrastructure every app uses; no models."""

    name = "core"
    label = "core"

from django.apps import AppConfig


class NewsletterConfig(AppConfig):
    name = "newsletter"
    verbose_name = "Newsletter"

    def ready(self) -> None:
        from accounts.privacy import register_eraser, register_exporter

        from .services import (
            subscription_erase_for_user,
            subscription_export_for_user,
        )

        register_exporter("subscriptions", subscription_export_for_user)
        register_eraser(subscription_erase_for_user)

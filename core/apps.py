from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Infrastructure every app uses; no models."""

    name = "core"
    label = "core"

    def ready(self) -> None:
        # Every email's Message-ID (ours and allauth's) ends in the site's own
        # domain, not the machine's name ("@localhost" in a container): spam
        # filters score a Message-ID that does not match the sender's domain.
        from urllib.parse import urlsplit

        from django.conf import settings
        from django.core.mail.utils import DNS_NAME

        DNS_NAME._fqdn = urlsplit(settings.SITE_URL).hostname or DNS_NAME.get_fqdn()

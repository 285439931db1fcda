import pytest


@pytest.fixture(autouse=True)
def _newsletter_settings(settings):
    settings.SITE_URL = "https://news.example.com"
    settings.NEWSLETTER_UNSUBSCRIBE_MAILTO = "unsubscribe@news.example.com"
    settings.NEWSLETTER_SEND_RATE_PER_MINUTE = 0
    settings.NEWSLETTER_BATCH_SIZE = 100
    settings.NEWSLETTER_PARALLEL_BATCHES = 2


@pytest.fixture
def run_tasks(django_capture_on_commit_callbacks):
    """Run what services queue on commit (tasks run at once: immediate backend)."""

    def run(func, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return func(*args, **kwargs)

    return run

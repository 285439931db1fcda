"""EDGE_PURGER and its credentials are checked when the settings load (a fresh
process each, so these are slow)."""

import pytest

from tests.config.test_settings import manage

pytestmark = pytest.mark.slow


def test_an_unknown_purger_or_missing_credentials_are_clear_errors():
    unknown = manage("check", EDGE_PURGER="akamai")
    assert unknown.returncode != 0
    assert "EDGE_PURGER must be one of none, varnish, fastly, cloudflare" in (
        unknown.stderr
    )
    fastly = manage("check", EDGE_PURGER="fastly", FASTLY_SERVICE_ID="abc")
    assert fastly.returncode != 0
    assert "EDGE_PURGER=fastly needs FASTLY_API_TOKEN" in fastly.stderr


def test_with_a_purger_the_shared_cache_keeps_pages_a_day_by_default():
    """Without one, a minute: nothing would tell the shared cache of a change."""
    script = "from django.conf import settings; print(settings.CDN_CACHE_SECONDS)"
    with_purger = manage("shell", "-v", "0", "-c", script, EDGE_PURGER="varnish")
    without = manage("shell", "-v", "0", "-c", script)
    assert (with_purger.stdout.split()[-1], without.stdout.split()[-1]) == (
        "86400",
        "60",
    )

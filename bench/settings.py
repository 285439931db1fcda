"""Settings for benchmarks: the site's own, plus the same-bytes baseline view."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"

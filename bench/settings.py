"""Settings for benchmarks: the site's own, plus the same-bytes baseline view."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"

# The posting benchmark has 20 readers post as fast as they can: lift the per-reader
# rate limits (everything else, duplicates included, stays on).
COMMENTS_RATE_PER_MINUTE = 1_000_000
COMMENTS_RATE_PER_DAY = 1_000_000

"""Settings for bench/enumeration_timing.py: the site's own, with the per-address
and per-IP limits lifted so that 20 posts of each kind reach the view (a limit
answers both kinds alike, so it would only hide the difference being measured)."""

from config.settings import *  # noqa: F403

ACCOUNT_RATE_LIMITS = False
NEWSLETTER_SIGNUP_LIMIT_PER_IP = (1_000_000, 3600)
NEWSLETTER_SIGNUP_LIMIT_PER_ADDRESS = (1_000_000, 3600)

# The bench talks plain HTTP on loopback: cookies must travel without TLS.
CSRF_COOKIE_SECURE = False
SESSION_COOKIE_SECURE = False

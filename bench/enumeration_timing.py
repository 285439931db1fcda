"""Does answering take longer for an address that has an account, or for one that
has none? It must not: the README promises no enumeration, by content or by timing.

For each form that takes an email address (sign-up, sign-in with a wrong password,
password reset, sign-in code, newsletter signup) the script posts it N times with
addresses that exist and N times with new ones, alternating, on gunicorn with the
production settings (real password hasher, DEBUG off, PostgreSQL and Redis), and
prints the median time of each and their ratio. Target: every ratio within 10%.

    uv run python bench/enumeration_timing.py [--rounds 20]
"""

import argparse
import http.cookiejar
import re
import secrets
import statistics
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import bench_env, gunicorn, setup_demo_database  # noqa: E402

PASSWORD = "correct horse battery staple 42"  # noqa: S105


def existing_accounts(count: int) -> list[str]:
    """Verified accounts and confirmed subscribers that the "existing" posts name."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    from newsletter.models import Newsletter, Subscriber

    User = get_user_model()
    emails = [f"bench-existing-{n}@example.com" for n in range(count)]
    hashed = make_password(PASSWORD)
    newsletters = list(Newsletter.objects.all())
    for email in emails:
        user, _ = User.objects.get_or_create(
            email=email, defaults={"password": hashed, "display_name": "Bench"}
        )
        EmailAddress.objects.get_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        subscriber, _ = Subscriber.objects.get_or_create(
            email=email, defaults={"status": Subscriber.Status.CONFIRMED}
        )
        subscriber.newsletters.add(*newsletters)
    return emails


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """Time the POST alone, not the page it redirects to."""

    def redirect_request(self, *args, **kwargs):
        return None


def timed_post(base: str, form_path: str, post_path: str, fields: dict) -> tuple:
    """Open the form as a browser would (cookies, CSRF token), then post it.

    Returns the seconds the POST alone took and its status.
    """
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirect()
    )
    with opener.open(base + form_path, timeout=30) as response:
        page = response.read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if token:
        fields = {"csrfmiddlewaretoken": token.group(1), **fields}
    request = urllib.request.Request(  # noqa: S310
        base + post_path,
        data=urllib.parse.urlencode(fields, doseq=True).encode(),
        headers={"Referer": base + form_path},
    )
    started = time.perf_counter()
    try:
        with opener.open(request, timeout=30) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    return time.perf_counter() - started, status


# name: (the page with the form, where it posts, the fields for an address)
FORMS = {
    "sign-up": (
        "/accounts/signup/",
        "/accounts/signup/",
        lambda email: {"email": email, "password1": PASSWORD, "password2": PASSWORD},
    ),
    "sign-in, wrong password": (
        "/accounts/login/",
        "/accounts/login/",
        lambda email: {"login": email, "password": PASSWORD + "x"},
    ),
    "password reset": (
        "/accounts/password/reset/",
        "/accounts/password/reset/",
        lambda email: {"email": email},
    ),
    "sign-in code": (
        "/accounts/login/code/",
        "/accounts/login/code/",
        lambda email: {"email": email},
    ),
    "newsletter signup": (
        "/newsletter/",
        "/newsletter/subscribe/",
        lambda email: {"email": email, "newsletters": NEWSLETTER_IDS},
    ),
}
NEWSLETTER_IDS: list[int] = []


def measure(base: str, existing: list[str], rounds: int) -> list[float]:
    """Print each form's medians and ratio; return the ratios."""
    ratios = []
    print(f"{'form':<24} {'existing ms':>12} {'new ms':>9} {'ratio':>7}  statuses")
    for name, (form_path, post_path, fields) in FORMS.items():
        timings: dict[str, list[float]] = {"existing": [], "new": []}
        statuses: set[tuple[str, int]] = set()
        for n in range(rounds):
            # Alternate, so that a slow moment of the machine hits both alike.
            for kind in ("existing", "new"):
                if kind == "existing":
                    email = existing[n % len(existing)]
                else:
                    email = f"bench-new-{secrets.token_hex(6)}@example.com"
                seconds, status = timed_post(base, form_path, post_path, fields(email))
                timings[kind].append(seconds)
                statuses.add((kind, status))
        existing_ms = statistics.median(timings["existing"]) * 1000
        new_ms = statistics.median(timings["new"]) * 1000
        ratio = max(existing_ms, new_ms) / min(existing_ms, new_ms)
        ratios.append(ratio)
        codes = ", ".join(f"{kind} {code}" for kind, code in sorted(statuses))
        print(f"{name:<24} {existing_ms:>12.1f} {new_ms:>9.1f} {ratio:>7.2f}  {codes}")
    return ratios


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    env = bench_env(DJANGO_SETTINGS_MODULE="bench.settings_accounts")
    setup_demo_database(env)
    existing = existing_accounts(args.rounds)
    from newsletter.models import Newsletter

    NEWSLETTER_IDS.extend(Newsletter.objects.values_list("pk", flat=True))
    with gunicorn(env) as base:
        ratios = measure(base, existing, args.rounds)
    worst = max(ratios)
    print(f"worst ratio {worst:.2f} (target: at most 1.10)")


if __name__ == "__main__":
    main()

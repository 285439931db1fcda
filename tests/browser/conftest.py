"""Playwright against Debian's Chromium, with an axe-core helper.

Browser tests skip (with the reason) on a machine without /usr/bin/chromium, and fail
instead when CI is set: in CI they are required.
"""

import os
import shutil

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# Playwright's sync API runs an event loop in this thread; the ORM calls in browser
# tests are synchronous and safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):
    if shutil.which(CHROMIUM) or os.path.exists(CHROMIUM):
        return
    if os.environ.get("CI"):
        return  # let them run and fail loudly: CI must have Chromium
    skip = pytest.mark.skip(reason=f"Chromium not found at {CHROMIUM}")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session", autouse=True)
def _live_server_outlives_chromium(request):
    """Start the live server before Chromium, so that it stops after it.

    Session fixtures stop in reverse order. Stopped first, the live server gave
    its shared in-memory SQLite connection back to the main thread while Chromium
    still held keep-alive connections; each request thread then failed to close
    it (a PytestUnhandledThreadExceptionWarning per thread at the end of the run).
    """
    if any("live_server" in item.fixturenames for item in request.session.items):
        request.getfixturevalue("live_server")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture
def axe_check():
    """Run axe-core on the page and fail with a readable list of violations."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()

    def check(page, context: str = "") -> None:
        results = axe.run(page)
        violations = results.response["violations"]
        summary = "\n".join(
            f"- {v['id']} ({v['impact']}): {v['help']} — "
            + "; ".join(node["target"][0] for node in v["nodes"][:3])
            for v in violations
        )
        assert not violations, f"axe violations {context}:\n{summary}"

    return check


@pytest.fixture
def csp_errors(page):
    """Collects console errors (CSP violations show up here) during a test."""
    errors: list[str] = []
    page.on(
        "console",
        lambda msg: errors.append(msg.text) if msg.type == "error" else None,
    )
    return errors

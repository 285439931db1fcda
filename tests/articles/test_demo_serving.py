"""`manage.py demo --addrport` serves the site, and every link it writes names that
address: canonical links, robots.txt's sitemap and the links in emails.

Starts the real command (migrate, demo data, runserver and a task worker) on a free
port with a database of its own, so it is marked slow and runs once in CI.
"""

import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(predicate, *, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def demo_on_a_free_port(tmp_path):
    port = free_port()
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"SITE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "DEBUG"}
    }
    environment["DATABASE_URL"] = f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    process = subprocess.Popen(
        [sys.executable, "manage.py", "demo", "--addrport", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    output: list[str] = []
    reader = threading.Thread(
        target=lambda: output.extend(iter(process.stdout.readline, "")), daemon=True
    )
    reader.start()
    try:
        yield f"http://127.0.0.1:{port}", output
    finally:
        os.killpg(process.pid, 15)
        process.wait(timeout=20)


def get(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310
            return response.read().decode()
    except OSError:
        return None


def test_demo_links_name_the_address_it_serves_on(demo_on_a_free_port):
    """With --addrport 127.0.0.1:PORT, the sitemap line, canonical links and the
    newsletter confirmation email all point at PORT, not the default :8000."""
    base, output = demo_on_a_free_port
    robots = wait_for(lambda: get(base + "/robots.txt"), seconds=120, what="the demo")
    assert f"Sitemap: {base}/sitemap.xml" in robots

    article = get(base + "/articles/ukraine-peace-talks-miami/")
    assert f'rel="canonical" href="{base}/articles/ukraine-peace-talks-miami/"' in (
        article
    )

    signup_page = get(base + "/newsletter/")
    newsletter_ids = re.findall(r'name="newsletters" value="(\d+)"', signup_page)
    data = urllib.parse.urlencode(
        {"email": "port-check@example.com", "newsletters": newsletter_ids[0]}
    ).encode()
    urllib.request.urlopen(base + "/newsletter/subscribe/", data=data, timeout=10)  # noqa: S310

    def confirmation_link():
        printed = "".join(output).replace("=\n", "").replace("=3D", "=")
        return re.search(r"http://[^\s\"<>]+/newsletter/confirm/[^\s\"<>]+", printed)

    link = wait_for(confirmation_link, seconds=60, what="the confirmation email")
    assert link.group(0).startswith(base + "/newsletter/confirm/")

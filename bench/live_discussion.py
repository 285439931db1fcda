"""Benchmark the live discussion's poll (comments/live.py) at 1,000 open tabs, with wrk.

    uv run python bench/live_discussion.py [--tabs 1000] [--interval 30]
        [--seconds 15] [--comment-every 10]

Every open article page asks /discussion/article/<id>/live/ every `--interval`
seconds (conf.live_poll_seconds(), 30 by default) with the ETag of its last answer,
as the script's `fetch(..., {cache: "no-cache"})` does: an unchanged discussion is a
304. wrk plays `--tabs` such tabs (one connection each, each remembering its ETag):

1. Capacity: every tab polls as fast as it can (a closed loop), against gunicorn
   (our page cache) and through Varnish (deploy/varnish/default.vcl): requests/s,
   p50, p99, and how many tabs polling every `--interval` s that rate would carry.
2. The real load: `--tabs` tabs (asyncio connections of this script, opened at
   random moments over the first interval, as readers arrive) each poll every
   `--interval` s (spread at random between half and one and a half times it) for
   three intervals, while a comment is published every `--comment-every` s (through
   comment_create: the page version bumps and the purge reaches Varnish through
   the task queue). Measured: polls/s, p50/p99, the answers (200 or 304), the
   origin's CPU time per tab per minute (gunicorn's workers, from /proc), and,
   through Varnish, the origin requests per 1,000 polls.

Needs varnishd with varnish-modules and wrk. Uses DATABASE_URL (default:
PostgreSQL database broadsheet_bench_live, created if needed) and REDIS_URL
(default redis://127.0.0.1:6379/12).
"""

import argparse
import asyncio
import os
import platform
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, bench_env, gunicorn, setup_demo_database  # noqa: E402
from bench.edge import varnishstat  # noqa: E402
from tests.edge.varnish import Varnish, free_port  # noqa: E402

ARTICLE_SLUG = "ukraine-peace-talks-miami"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

# Each connection is a tab: it keeps the ETag of its last answer and sends it back,
# as the browser does for the script's fetch. `delay()` is the pause between polls.
TAB_SCRIPT = """
local pause_ms = {pause_ms}
function delay()
  if pause_ms == 0 then return 0 end
  return math.random(math.floor(pause_ms / 2), math.floor(pause_ms * 3 / 2))
end
function request()
  local headers = {["Accept-Encoding"] = "br, gzip", ["Accept"] = "application/json"}
  if etag then headers["If-None-Match"] = etag end
  return wrk.format("GET", nil, headers)
end
function response(status, headers, body)
  if headers["ETag"] then etag = headers["ETag"] end
end
"""


def tabs_wrk(url: str, *, tabs: int, seconds: int, pause_ms: int, workdir: Path):
    """wrk with one connection per tab; requests/s, p50/p99 ms and socket errors."""
    script = workdir / f"tabs-{pause_ms}.lua"
    script.write_text(TAB_SCRIPT.replace("{pause_ms}", str(pause_ms)))
    command = ["wrk", "-t2", f"-c{tabs}", f"-d{seconds}s", "--latency"]
    command += ["--timeout", "10s", "-s", str(script), url]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in output:
        sys.exit(f"wrk saw errors for {url}:\n{output}")

    def latency(percent: str) -> float:
        match = re.search(rf"^\s+{percent}%\s+([\d.]+)(us|ms|s)\s*$", output, re.M)
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    errors = re.search(r"Socket errors: (.*)", output)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "requests": int(re.search(r"(\d+) requests in", output).group(1)),
        "p50_ms": latency("50"),
        "p99_ms": latency("99"),
        "errors": errors.group(1) if errors else "none",
    }


def workers_cpu_seconds(master_pid: int) -> float:
    """User + system CPU time of gunicorn's workers so far."""
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text()
    total = 0
    for pid in children.split():
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14, 15)
    return total / CLOCK_TICKS


def gunicorn_master(port: int) -> int:
    output = subprocess.run(
        ["pgrep", "-f", "gunicorn -c gunicorn.conf.py"], capture_output=True, text=True
    ).stdout
    for pid in output.split():
        environ = Path(f"/proc/{pid}/environ").read_bytes()
        if f"GUNICORN_BIND=127.0.0.1:{port}".encode() in environ and (
            Path(f"/proc/{pid}/task/{pid}/children").read_text().strip()
        ):
            return int(pid)
    sys.exit("gunicorn's master not found")


def publish_every(article, seconds: float, stop: threading.Event, published: list):
    """An approved comment every `seconds` until `stop` (the discussion moves)."""
    from accounts.models import User
    from comments.services import comment_create

    author, _ = User.objects.get_or_create(
        email="live-bench@example.com",
        defaults={"display_name": "Live Bench", "trusted": True},
    )
    from allauth.account.models import EmailAddress

    EmailAddress.objects.get_or_create(
        user=author, email=author.email, defaults={"verified": True, "primary": True}
    )
    while not stop.wait(seconds):
        body = f"live-bench {os.getpid()} {time.time_ns()}"
        comment = comment_create(article=article, author=author, body=body)
        assert comment.status == "approved", comment.status
        published.append(comment.pk)


async def _poll(host, port, path, etag, connection):
    """One poll on `connection` (reader, writer), or a new one if it is None;
    returns (status, etag, connection still open or None)."""
    if connection is None:
        connection = await asyncio.open_connection(host, port)
    reader, writer = connection
    conditional = f"If-None-Match: {etag}\r\n" if etag else ""
    writer.write(
        f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAccept: application/json\r\n"
        f"Accept-Encoding: br, gzip\r\n{conditional}\r\n".encode()
    )
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
    status = int(head.split(" ", 2)[1])
    fields = {
        name.lower(): value
        for name, value in (
            line.split(": ", 1) for line in head.split("\r\n")[1:] if ": " in line
        )
    }
    await reader.readexactly(int(fields.get("content-length", 0)))
    if fields.get("connection", "").lower() == "close":
        writer.close()
        connection = None
    return status, fields.get("etag", etag), connection


async def _tab(host, port, path, interval, until, latencies, counts):
    """One open tab: polls every ~interval s with its last ETag, keeps its
    connection while the server does, and opens at a random moment. A kept
    connection the server has closed meanwhile is opened again at once, as
    browsers do."""
    etag, connection = None, None
    await asyncio.sleep(random.uniform(0, interval))
    while time.monotonic() < until:
        started = time.monotonic()
        for attempt in (1, 2):
            reused = connection is not None
            try:
                status, etag, connection = await _poll(
                    host, port, path, etag, connection
                )
            except (OSError, asyncio.IncompleteReadError, ValueError):
                connection = None
                if reused and attempt == 1:
                    continue
                counts["error"] = counts.get("error", 0) + 1
            else:
                counts[status] = counts.get(status, 0) + 1
                latencies.append((time.monotonic() - started) * 1000)
            break
        await asyncio.sleep(interval * random.uniform(0.5, 1.5))
    if connection is not None:
        connection[1].close()


def open_tabs(url: str, *, tabs: int, interval: int, seconds: int) -> dict:
    """`tabs` tabs polling `url` for `seconds`: polls/s, p50/p99 ms, statuses."""
    parts = urllib.parse.urlsplit(url)
    latencies: list[float] = []
    counts: dict = {}

    async def run():
        until = time.monotonic() + seconds
        await asyncio.gather(
            *(
                _tab(
                    parts.hostname,
                    parts.port,
                    parts.path,
                    interval,
                    until,
                    latencies,
                    counts,
                )
                for _ in range(tabs)
            )
        )

    asyncio.run(run())
    latencies.sort()
    return {
        "rps": len(latencies) / seconds,
        "p50_ms": statistics.median(latencies),
        "p99_ms": latencies[int(len(latencies) * 0.99)],
        "statuses": counts,
    }


def paced(url, *, options, master_pid, article, varnish=None) -> dict:
    """The real load: each tab polls every interval while comments are published."""
    seconds = options.interval * 3
    before_cpu = workers_cpu_seconds(master_pid)
    before = varnishstat(varnish) if varnish else None
    stop, published = threading.Event(), []
    publisher = threading.Thread(
        target=publish_every, args=(article, options.comment_every, stop, published)
    )
    publisher.start()
    try:
        result = open_tabs(
            url, tabs=options.tabs, interval=options.interval, seconds=seconds
        )
    finally:
        stop.set()
        publisher.join()
    cpu = workers_cpu_seconds(master_pid) - before_cpu
    result["published"] = len(published)
    result["cpu_s"] = cpu
    result["cpu_ms_per_tab_minute"] = cpu * 1000 / options.tabs / (seconds / 60)
    if varnish:
        after = varnishstat(varnish)
        polls = after["MAIN.client_req"] - before["MAIN.client_req"]
        origin = after["MAIN.backend_req"] - before["MAIN.backend_req"]
        result["origin_per_1000"] = origin / polls * 1000
        result["origin"] = origin
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tabs", type=int, default=1000)
    parser.add_argument("--interval", type=int, default=30)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--comments", type=int, default=500)
    parser.add_argument(
        "--comment-every",
        type=float,
        default=10,
        help="seconds between comments published during the polls",
    )
    options = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bench-live-"))
    varnish_port = free_port()
    env = bench_env(
        DATABASE_URL=os.environ.get(
            "DATABASE_URL", "postgres://root@127.0.0.1:5432/broadsheet_bench_live"
        ),
        REDIS_URL=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/12"),
        CACHE_KEY_PREFIX="bench-live",
        EDGE_PURGER="varnish",
        VARNISH_PURGE_URLS=f"http://127.0.0.1:{varnish_port}",
        EDGE_PURGE_QUEUE="edge",
        CDN_CACHE_SECONDS="86400",
        # Workers are not recycled during the run: their CPU time is the measure.
        GUNICORN_MAX_REQUESTS="0",
    )
    setup_demo_database(env)
    from articles.cache import article_changed
    from articles.models import Article
    from bench.seed import seed_discussion

    article = Article.objects.get(slug=ARTICLE_SLUG)
    seed_discussion(article, options.comments)
    article_changed(article.pk)
    path = f"/discussion/article/{article.pk}/live/"

    worker = subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--no-reload"]
        + ["--queue-name", "edge", "--interval", "0.1", "--no-startup-delay"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    gunicorn_port = free_port()
    results = {}
    with gunicorn(env, bind=f"127.0.0.1:{gunicorn_port}") as origin:
        master_pid = gunicorn_master(gunicorn_port)
        varnish = Varnish(workdir, gunicorn_port)
        varnish.port = varnish_port
        varnish.url = f"http://127.0.0.1:{varnish_port}"
        varnish.start()
        try:
            targets = {"origin": origin + path, "varnish": varnish.url + path}
            for name, url in targets.items():
                tabs_wrk(url, tabs=100, seconds=2, pause_ms=0, workdir=workdir)
                results[f"{name}_capacity"] = tabs_wrk(
                    url,
                    tabs=options.tabs,
                    seconds=options.seconds,
                    pause_ms=0,
                    workdir=workdir,
                )
            results["origin_paced"] = paced(
                targets["origin"],
                options=options,
                master_pid=master_pid,
                article=article,
            )
            results["varnish_paced"] = paced(
                targets["varnish"],
                options=options,
                master_pid=master_pid,
                article=article,
                varnish=varnish,
            )
            body_size = len(
                subprocess.run(
                    ["curl", "-s", "-H", "Accept-Encoding: br", origin + path],
                    capture_output=True,
                    check=True,
                ).stdout
            )
        finally:
            varnish.stop()
            os.killpg(worker.pid, signal.SIGTERM)
            worker.wait()
            shutil.rmtree(workdir, ignore_errors=True)

    print(
        f"The live poll, {options.tabs} tabs, {options.comments} comments, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, gunicorn "
        f"{os.cpu_count() + 1} sync workers; answer {body_size} bytes (brotli)"
    )
    print(
        f"| closed loop (`-c{options.tabs}`) | requests/s | p50 ms | p99 ms | "
        f"tabs at one poll per {options.interval} s | socket errors |"
    )
    print("| --- | ---: | ---: | ---: | ---: | --- |")
    for name, label in (("origin", "gunicorn (page cache)"), ("varnish", "Varnish")):
        r = results[f"{name}_capacity"]
        print(
            f"| {label} | {r['rps']:,.0f} | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} | "
            f"{r['rps'] * options.interval:,.0f} | {r['errors']} |"
        )
    print(
        f"\nEach tab polling every ~{options.interval} s for {options.interval * 3} s, "
        f"an approved comment every {options.comment_every:g} s:"
    )
    print(
        "| tabs poll | polls/s | p50 ms | p99 ms | answers | comments | origin CPU "
        "| per tab per minute | origin requests per 1,000 polls |"
    )
    print("| --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: |")
    for name, label in (("origin_paced", "gunicorn"), ("varnish_paced", "Varnish")):
        r = results[name]
        per_1000 = f"{r['origin_per_1000']:.1f}" if "origin_per_1000" in r else "1,000"
        answers = ", ".join(
            f"{k}: {v:,}" for k, v in sorted(r["statuses"].items(), key=str)
        )
        print(
            f"| {label} | {r['rps']:.1f} | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} | "
            f"{answers} | {r['published']} | {r['cpu_s']:.2f} s | "
            f"{r['cpu_ms_per_tab_minute']:.2f} ms | {per_1000} |"
        )


if __name__ == "__main__":
    main()

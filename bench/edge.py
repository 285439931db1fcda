"""Benchmark the read path through Varnish (deploy/varnish/default.vcl), with wrk.

    uv run python bench/edge.py [--comments 500] [--seconds 10] [--posts 50]

1. The cached article through Varnish against the same bytes as a static file,
   served by nginx and by Varnish itself (in front of that nginx), in one run
   (budget: ≥ 0.8). All are asked with `Accept-Encoding: gzip`, as browsers ask, so
   all send the gzipped page.
2. Under a steady read load of the article through Varnish (16 readers, each
   pausing `--read-delay-ms` between reads), `--posts` comments are posted
   (through the app's own comment_create, so the purge goes through the task queue
   and a `db_worker --queue-name edge --interval 0.1`): how long until each is in
   the page Varnish serves (budget: p99 < 1 s), and how many requests reached the
   origin per 1,000 reads (budget: < 5).
3. The article's size: raw, gzip, brotli (budget: compressed < 15 KB).
4. A new gunicorn worker's first request (a page-cache hit) against a warm one, with
   and without the master's warm-up (budget: within 2x).

Needs varnishd with varnish-modules, nginx and wrk (`apt-get install varnish
varnish-modules nginx-light wrk`). Uses DATABASE_URL (default: PostgreSQL database
broadsheet_bench_edge, created if needed) and REDIS_URL (default db 13).
"""

import argparse
import gzip
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    ROOT,
    bench_env,
    fetch,
    gunicorn,
    setup_demo_database,
    wrk,
)
from tests.edge.varnish import Varnish, free_port  # noqa: E402

ARTICLE_SLUG = "ukraine-peace-talks-miami"
GZIP = "Accept-Encoding: gzip"


def varnishstat(varnish: Varnish) -> dict[str, int]:
    output = subprocess.run(
        ["varnishstat", "-n", str(varnish.workdir / "varnish"), "-1"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    counters = {}
    for line in output.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[1].isdigit():
            counters[parts[0]] = int(parts[1])
    return counters


def nginx(root: Path, port: int):
    """nginx serving `root` on `port`, two workers (one a core), in the foreground."""
    conf = root / "nginx.conf"
    conf.write_text(
        f"""
worker_processes 2;
daemon off;
pid {root}/nginx.pid;
error_log {root}/error.log;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    server {{
        listen 127.0.0.1:{port};
        root {root}/www;
        location / {{
            default_type text/html;
            add_header Content-Encoding gzip;
            expires 1h;
        }}
    }}
}}
"""
    )
    process = subprocess.Popen(
        ["nginx", "-c", str(conf), "-p", str(root)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(0.5)
    return process


def read_through(varnish: Varnish, path: str) -> bytes:
    request = urllib.request.Request(  # noqa: S310 - our own Varnish
        varnish.url + path, headers={"Accept-Encoding": "gzip"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        body = response.read()
        if response.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        return body


def paced_wrk(url: str, seconds: int, delay_ms: int, workdir: Path) -> dict:
    """wrk with 16 readers, each waiting `delay_ms` between requests (wrk's Lua
    `delay()`): a steady read load that leaves the server its CPU, unlike a
    closed loop, which takes both cores from everything else on this machine."""
    script = workdir / "paced.lua"
    script.write_text(f"function delay()\n  return {delay_ms}\nend\n")
    command = ["wrk", "-t2", "-c16", f"-d{seconds}s", "-H", GZIP, "-s", str(script)]
    output = subprocess.run(
        [*command, url], capture_output=True, text=True, check=True
    ).stdout
    rps = float(output.split("Requests/sec:")[1].split()[0])
    return {"rps": rps}


def measure_visibility(varnish: Varnish, article, posts: int) -> list[float]:
    """Post comments one by one; seconds from each commit to its first sight."""
    from accounts.models import User
    from comments.services import comment_create

    author, _ = User.objects.get_or_create(
        email="edge-bench@example.com",
        defaults={"display_name": "Edge Bench", "trusted": True},
    )
    from allauth.account.models import EmailAddress

    EmailAddress.objects.get_or_create(
        user=author, email=author.email, defaults={"verified": True, "primary": True}
    )
    author.trusted = True
    author.save()
    # Newest first: the new comment is on the first page of the discussion (the page
    # under load, oldest first, is purged by the same tag).
    path = article.get_absolute_url() + "?csort=newest"
    delays = []
    for number in range(posts):
        marker = f"edge-bench-{os.getpid()}-{number}-{time.time_ns()}"
        comment = comment_create(article=article, author=author, body=marker)
        assert comment.status == "approved", comment.status
        posted = time.monotonic()
        while marker.encode() not in read_through(varnish, path):
            if time.monotonic() - posted > 10:
                sys.exit(f"comment {number} not visible through Varnish after 10 s")
            time.sleep(0.01)
        delays.append(time.monotonic() - posted)
        time.sleep(0.2)
    return delays


def purge_lags_since(started: float) -> list[float]:
    """Seconds from queueing to done of each purge task queued since `started`."""
    import datetime

    from django_tasks_db.models import DBTaskResult

    since = datetime.datetime.fromtimestamp(started, tz=datetime.UTC)
    return sorted(
        (task.finished_at - task.enqueued_at).total_seconds()
        for task in DBTaskResult.objects.filter(
            queue_name="edge", enqueued_at__gte=since, finished_at__isnull=False
        )
    )


def cold_worker(env: dict[str, str], path: str, warm_up: bool) -> dict[str, float]:
    """Medians, in ms, of a page-cache hit on one gunicorn worker, each case five
    times over (a new worker each time):

    - `queued-first`: a new worker's first request, sent as the old worker is
      killed, so it waits for the new one as requests do under load after a
      `max_requests` recycle; `queued-warm`: that worker's next 20, back to back;
    - `first`: a new worker's first request after 3 s of quiet; `paused`: a warm
      worker's request after the same 3 s (like for like: on this machine any
      request after an idle pause is slower, /robots.txt included);
    - `warm`: a warm worker's requests back to back.

    Each is timed twice: by the client (urllib, connection included) and by
    gunicorn (its access log's request time: from the parsed request to the last
    byte written; the time a queued request waited for the new worker is not in it).
    """
    port = free_port()
    log = Path(tempfile.mkdtemp()) / "access.log"
    env = {
        **env,
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "1",
        "GUNICORN_WARM_UP": "true" if warm_up else "false",
        "GUNICORN_ACCESS_LOG": str(log),
    }
    url = f"http://127.0.0.1:{port}{path}"
    client: dict[str, list[float]] = {}

    def timed(case: str) -> None:
        request = urllib.request.Request(url, headers={"User-Agent": case})  # noqa: S310
        started = time.perf_counter()
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            response.read()
        client.setdefault(case, []).append((time.perf_counter() - started) * 1000)

    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "config.wsgi"],
        cwd=ROOT,
        env=env,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )

    def kill_worker() -> None:
        children = Path(f"/proc/{process.pid}/task/{process.pid}/children")
        os.kill(int(children.read_text().split()[0]), signal.SIGKILL)

    try:
        time.sleep(4)
        timed("start")
        for _ in range(5):
            kill_worker()
            time.sleep(3)  # the master forks a new worker
            timed("first")
            for _ in range(20):
                timed("warm")
            time.sleep(3)
            timed("paused")
            kill_worker()
            timed("queued-first")  # waits in the listen queue for the new worker
            for _ in range(20):
                timed("queued-warm")
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait()
    server: dict[str, list[float]] = {}
    for line in log.read_text().splitlines():
        case = line.rsplit('ua="', 1)[1].rstrip('"')
        micros = int(line.split("us cache=")[0].rsplit(" ", 1)[1])
        server.setdefault(case, []).append(micros / 1000)
    shutil.rmtree(log.parent, ignore_errors=True)
    cases = ("queued-first", "queued-warm", "first", "paused", "warm")
    medians = {f"client {case}": statistics.median(client[case]) for case in cases}
    medians |= {f"server {case}": statistics.median(server[case]) for case in cases}
    return medians


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--comments", type=int, default=500)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--posts", type=int, default=50)
    parser.add_argument(
        "--read-delay-ms",
        type=int,
        default=2,
        help="each of 16 readers' pause between reads while comments are posted",
    )
    parser.add_argument(
        "--cold-workers-only",
        action="store_true",
        help="measure only a new worker's first request against warm ones",
    )
    options = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bench-edge-"))
    os.chmod(workdir, 0o755)  # noqa: S103 - nginx's workers (www-data) read the page
    varnish_port = free_port()
    env = bench_env(
        DATABASE_URL=os.environ.get(
            "DATABASE_URL", "postgres://root@127.0.0.1:5432/broadsheet_bench_edge"
        ),
        REDIS_URL=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/13"),
        CACHE_KEY_PREFIX="bench-edge",
        EDGE_PURGER="varnish",
        VARNISH_PURGE_URLS=f"http://127.0.0.1:{varnish_port}",
        EDGE_PURGE_QUEUE="edge",
        CDN_CACHE_SECONDS="86400",
    )
    setup_demo_database(env)
    from articles.cache import article_changed
    from articles.models import Article
    from bench.seed import seed_discussion

    article = Article.objects.get(slug=ARTICLE_SLUG)
    seed_discussion(article, options.comments)
    article_changed(article.pk)
    path = article.get_absolute_url()
    measure = {"seconds": options.seconds, "connections": options.connections}
    if options.cold_workers_only:
        report_cold_workers(env, path)
        return

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
    with gunicorn(env, bind=f"127.0.0.1:{gunicorn_port}") as origin:
        varnish = Varnish(workdir, gunicorn_port)
        varnish.port = varnish_port
        varnish.url = f"http://127.0.0.1:{varnish_port}"
        varnish.start()
        nginx_port = free_port()
        nginx_process = None
        try:
            raw, _ = fetch(origin + path)
            gzipped, headers = fetch(varnish.url + path, {"Accept-Encoding": "gzip"})
            assert headers.get("Content-Encoding") == "gzip", headers
            brotli_body, _ = fetch(varnish.url + path, {"Accept-Encoding": "br"})
            (workdir / "www").mkdir()
            (workdir / "www" / "article.html").write_bytes(gzipped)
            nginx_process = nginx(workdir, nginx_port)
            static = f"http://127.0.0.1:{nginx_port}/article.html"
            static_body, _ = fetch(static)
            assert static_body == gzipped
            through_varnish = varnish.url + path

            # The same file through a second Varnish (same VCL), for the other
            # baseline the budget allows: Varnish itself serving a static file.
            (workdir / "static-varnish").mkdir()
            static_varnish = Varnish(workdir / "static-varnish", nginx_port)
            static_varnish.start()
            static_through_varnish = static_varnish.url + "/article.html"
            assert fetch(static_through_varnish, {"Accept-Encoding": "gzip"})[0] == (
                gzipped
            )

            targets = {
                "static": static,
                "static_varnish": static_through_varnish,
                "varnish": through_varnish,
            }
            for url in targets.values():
                wrk(url, seconds=2, headers=[GZIP])
            runs = {name: [] for name in targets}
            for _ in range(2):  # interleaved: all see the same machine
                for name, url in targets.items():
                    runs[name].append(wrk(url, headers=[GZIP], **measure))
            static_varnish.stop()

            # Posts under a read load.
            before = varnishstat(varnish)
            load = threading.Thread(
                target=lambda: runs.setdefault(
                    "under_posts",
                    [
                        paced_wrk(
                            through_varnish,
                            seconds=options.posts // 2 + 10,
                            delay_ms=options.read_delay_ms,
                            workdir=workdir,
                        )
                    ],
                )
            )
            load.start()
            time.sleep(1)
            posting_started = time.time()
            delays = measure_visibility(varnish, article, options.posts)
            purge_lags = purge_lags_since(posting_started)
            load.join()
            after = varnishstat(varnish)
        finally:
            if nginx_process:
                nginx_process.terminate()
                nginx_process.wait()
            varnish.stop()
            os.killpg(worker.pid, signal.SIGTERM)
            worker.wait()
            shutil.rmtree(workdir, ignore_errors=True)

    reads = after["MAIN.client_req"] - before["MAIN.client_req"]
    origin_requests = after["MAIN.backend_req"] - before["MAIN.backend_req"]

    def best(results: list[dict]) -> dict:
        return max(results, key=lambda result: result["rps"])

    static_best, varnish_best = best(runs["static"]), best(runs["varnish"])
    static_varnish_best = best(runs["static_varnish"])
    ratio = varnish_best["rps"] / static_best["rps"]
    varnish_ratio = varnish_best["rps"] / static_varnish_best["rps"]
    delays_ms = sorted(delay * 1000 for delay in delays)
    p99 = delays_ms[min(len(delays_ms) - 1, int(len(delays_ms) * 0.99))]
    print(
        f"Through Varnish, {options.comments} comments, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, "
        f"wrk -t2 -c{options.connections} -d{options.seconds}s -H '{GZIP}'"
    )
    print("| served by | requests/s | p50 ms | p99 ms |")
    print("| --- | ---: | ---: | ---: |")
    for name, result in (
        ("nginx, the same gzipped bytes as a static file", static_best),
        ("Varnish, that static file (HIT)", static_varnish_best),
        ("Varnish, the cached article (HIT)", varnish_best),
    ):
        print(
            f"| {name} | {result['rps']:.0f} | {result['p50_ms']:.2f} | "
            f"{result['p99_ms']:.2f} |"
        )
    print(
        f"article through Varnish / nginx's static file = {ratio:.2f}; / the static "
        f"file through Varnish = {varnish_ratio:.2f} (budget ≥ 0.8)"
    )
    print(
        f"{options.posts} comments posted under a read load "
        f"({runs['under_posts'][0]['rps']:.0f} reads/s): visible through Varnish after "
        f"p50 {statistics.median(delays_ms):.0f} ms, p99 {p99:.0f} ms, "
        f"max {delays_ms[-1]:.0f} ms (budget p99 < 1,000 ms)"
    )
    lags_ms = [lag * 1000 for lag in purge_lags]
    print(
        f"of which purge queued to done: p50 {statistics.median(lags_ms):.0f} ms, "
        f"max {lags_ms[-1]:.0f} ms ({len(lags_ms)} purges)"
    )
    print(
        f"origin requests: {origin_requests} for {reads} reads = "
        f"{origin_requests / reads * 1000:.2f} per 1,000 (budget < 5)"
    )
    print(
        f"article HTML: {len(raw):,} bytes raw, {len(gzipped):,} gzip, "
        f"{len(brotli_body):,} brotli (budget: compressed < 15,360)"
    )
    report_cold_workers(env, path)


def report_cold_workers(env: dict[str, str], path: str) -> None:
    for warm_up in (True, False):
        m = cold_worker(env, path, warm_up=warm_up)
        print(f"new worker, warm-up {'on' if warm_up else 'off'} (budget 2x):")
        for side in ("server", "client"):
            print(
                f"  {side}: queued first request {m[side + ' queued-first']:.2f} ms "
                f"vs the next 20 {m[side + ' queued-warm']:.2f} ms "
                f"({m[side + ' queued-first'] / m[side + ' queued-warm']:.1f}x); "
                f"first after 3 s {m[side + ' first']:.2f} ms vs a warm worker's "
                f"after 3 s {m[side + ' paused']:.2f} ms "
                f"({m[side + ' first'] / m[side + ' paused']:.1f}x), "
                f"back to back {m[side + ' warm']:.2f} ms "
                f"({m[side + ' first'] / m[side + ' warm']:.1f}x)"
            )


if __name__ == "__main__":
    main()

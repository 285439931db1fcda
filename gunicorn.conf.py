"""gunicorn settings for production: `gunicorn -c gunicorn.conf.py config.wsgi`.

Every value can be overridden from the environment (GUNICORN_*), e.g. in the
compose file. Sync workers fit a Django app whose slow work runs in the task worker.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# One worker a core, plus one. The usual "two a core, plus one" assumes workers
# wait on I/O half the time; ours mostly compute (slow work runs in the task worker,
# the database answers in a millisecond). On the 2-core bench machine 3 workers
# posted 180-207 comments a second, 4 and 5 workers 184 and 175 (bench/README.md).
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() + 1))
threads = int(os.environ.get("GUNICORN_THREADS", 1))
worker_class = "gthread" if threads > 1 else "sync"
# A request that takes longer than this is stuck: the worker is replaced.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = 30
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", 5))
# Recycle workers now and then, with jitter so they do not restart together.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 2000))
max_requests_jitter = 200
preload_app = True
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
# Client, request, status, size, time in microseconds, cache state of the page.
access_log_format = (
    '%(h)s "%(r)s" %(s)s %(b)s %(D)sus cache=%({x-page-cache}o)s ua="%(a)s"'
)
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")


def when_ready(server):
    """Before any worker forks: load what Django would load on a worker's first
    request, so that it costs what the hundredth does (core/warmup.py)."""
    if os.environ.get("GUNICORN_WARM_UP", "true").lower() in {"0", "false", "no"}:
        return
    from core.warmup import warm_up

    server.log.info("Warmed up: %s", warm_up())


def post_worker_init(worker):
    """A new worker opens its cache connection before its first request."""
    if os.environ.get("GUNICORN_WARM_UP", "true").lower() in {"0", "false", "no"}:
        return
    from core.warmup import connect_worker

    connect_worker(worker)

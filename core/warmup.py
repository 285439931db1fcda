"""Warm a process up before gunicorn forks its workers (gunicorn.conf.py, when_ready).

gunicorn's `preload_app` imports the WSGI application in the master, but Django does
most of its loading lazily, on the first request: the URLconf and every view and
admin module it names, the cache backend (and redis-py), the session engine,
templates (each compiled on first use), translation catalogues, the static files
manifest. A fresh worker paid all of that on its first request — 440-790 ms even on
a page-cache hit, against 1-3 ms for the next (bench/README.md) — after every
deploy and every `max_requests` recycle. Done once in the master, it is shared by
every forked worker (copy on write); each new worker then opens its cache
connection and serves itself the home page and its stories before its first reader,
through its own gunicorn code: a first request that waited for the new worker then
costs 1.3-1.4 times the next ones.

Nothing here opens a database or cache connection: a connection made before the
fork would be shared by every worker.
"""

import gc
import importlib
import io
import logging
import pkgutil
import socket
import sys
import threading
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.template import TemplateDoesNotExist, TemplateSyntaxError, engines
from django.urls import get_resolver
from django.utils import translation
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

# At most this many pages besides the home page, so a worker starts in milliseconds.
WARM_UP_PAGES = 8
# Modules that are not part of serving a request (or run something when imported).
SKIPPED_MODULE_PARTS = {"migrations", "management", "tests", "demo"}


def _import_project_modules() -> int:
    """Import every module of the project's own apps (views, forms, templatetags…)."""
    count = 0
    for app in apps.get_app_configs():
        path = Path(app.path)
        if not path.is_relative_to(settings.BASE_DIR) or ".venv" in path.parts:
            continue
        for module in pkgutil.walk_packages([str(path)], prefix=f"{app.name}."):
            if SKIPPED_MODULE_PARTS & set(module.name.split(".")):
                continue
            try:
                importlib.import_module(module.name)
                count += 1
            except Exception:  # noqa: BLE001 - warming must never stop the server
                logger.warning(
                    "Warm-up could not import %s", module.name, exc_info=True
                )
    return count


def _compile_url_patterns(resolver) -> int:
    """Each URL pattern compiles its regular expression on first use: do it now."""
    count = 0
    for pattern in resolver.url_patterns:
        pattern.pattern.regex  # noqa: B018 - compiles and keeps it
        count += 1
        if hasattr(pattern, "url_patterns"):
            count += _compile_url_patterns(pattern)
    return count


def _template_names(directory: Path) -> list[str]:
    return [
        str(path.relative_to(directory))
        for path in directory.rglob("*")
        if path.suffix in {".html", ".txt", ".xml"} and path.is_file()
    ]


def _load_templates() -> int:
    """Compile every template the project's and its apps' loaders can find, into the
    cached loader (DEBUG off) so that no worker parses one again."""
    count = 0
    for engine in engines.all():
        directories = list(getattr(engine, "template_dirs", ()))
        for directory in directories:
            for name in _template_names(Path(directory)):
                try:
                    engine.get_template(name)
                    count += 1
                except (TemplateDoesNotExist, TemplateSyntaxError, UnicodeError):
                    pass  # a partial meant for another engine, a non-template file
    return count


def _host() -> str:
    """A name the site answers to (ALLOWED_HOSTS)."""
    return next(
        (h.lstrip(".") for h in settings.ALLOWED_HOSTS if h not in ("*", "")),
        "localhost",
    )


def _request(path: str) -> int:
    """One anonymous GET through the whole middleware chain, in this process."""
    from django.core.handlers.wsgi import WSGIHandler

    host = _host()
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "SERVER_NAME": host,
        "SERVER_PORT": "443",
        "HTTP_HOST": host,
        "REMOTE_ADDR": "127.0.0.1",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.url_scheme": "https",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": sys.stderr,
        "wsgi.version": (1, 0),
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    statuses = []
    response = WSGIHandler()(environ, lambda status, headers: statuses.append(status))
    b"".join(response)
    response.close()
    return int(statuses[0].split()[0])


def warm_up() -> dict[str, int]:
    """Load in this process what the first request would. Returns what was done."""
    resolver = get_resolver()
    resolver.reverse_dict  # noqa: B018 - populates the reverse lookup tables
    report = {
        "modules": _import_project_modules(),
        "url_patterns": _compile_url_patterns(resolver),
        "templates": _load_templates(),
    }
    importlib.import_module(settings.SESSION_ENGINE)
    import_string(settings.SESSION_SERIALIZER)
    translation.activate(settings.LANGUAGE_CODE)
    translation.gettext("warm-up")  # loads every app's catalogue
    translation.deactivate()
    try:
        from django.contrib.staticfiles.storage import staticfiles_storage

        staticfiles_storage.url("css/main.css")  # reads the manifest once
    except Exception:  # noqa: BLE001, S110 - no manifest (DEBUG) is fine
        pass
    # Needs neither database nor cache: loads the session engine, the cache
    # backend, CSP, allauth's middleware.
    report["robots_status"] = _request("/robots.txt")
    try:  # redis-py reads its own version from the package metadata once
        from redis.utils import get_lib_version

        get_lib_version()
    except ImportError:
        pass
    _close_connections()
    # Move everything loaded so far out of the garbage collector's sight: a worker's
    # first collections would otherwise walk (and, by touching reference counts,
    # copy) every object inherited from the master.
    gc.collect()
    gc.freeze()
    return report


def connect_worker(worker=None) -> None:
    """In a new worker, before it takes a request (gunicorn's post_worker_init):
    open its cache connection, which a page-cache hit needs first, and serve itself
    the home page and the stories it leads with (page-cache hits, usually): that
    touches what a reader's request touches, and puts the pages readers are likeliest
    to ask for first in the worker's own copy (articles.page_cache.local_pages),
    where a warm worker finds them. The paths come from the setting
    WORKER_WARM_UP_PATHS (a function's dotted path: core imports no app). Errors
    are the first reader's to meet, not the worker's.

    Given gunicorn's sync `worker`, the requests go through the worker's own code
    too (parsing, the WSGI environment, writing the response to a socket): without
    that a queued first request still took 1.9x the next ones (bench/edge.py).
    """
    from django.core.cache import cache

    try:
        cache.get("warm-up")
    except Exception:  # noqa: BLE001, S110 - Redis down: the request will find out
        pass
    paths = ["/"]
    try:
        if finder := getattr(settings, "WORKER_WARM_UP_PATHS", ""):
            paths += import_string(finder)()[:WARM_UP_PAGES]
    except Exception:  # noqa: BLE001 - never keep a worker from starting
        logger.warning("Worker warm-up could not list its pages", exc_info=True)
    through_worker = _is_sync_worker(worker)
    for path in paths:
        if worker is not None and not worker.alive:
            return  # told to stop while warming up
        try:
            if through_worker:
                status = _request_through(worker, path)
                if status != 200:
                    # e.g. a redirect to https: 127.0.0.1 is not trusted to say
                    # X-Forwarded-Proto (GUNICORN_FORWARDED_ALLOW_IPS).
                    logger.warning(
                        "Worker warm-up through gunicorn got %s for %s; warming "
                        "through Django alone",
                        status,
                        path,
                    )
                    through_worker = False
                    _request(path)
            else:
                _request(path)
        except Exception:  # noqa: BLE001 - never keep a worker from starting
            logger.warning("Worker warm-up request %s failed", path, exc_info=True)


def _is_sync_worker(worker) -> bool:
    try:
        from gunicorn.workers.sync import SyncWorker
    except ImportError:
        return False
    # With TLS in gunicorn itself, a plain request over the socket pair would fail.
    return (
        isinstance(worker, SyncWorker)
        and bool(worker.sockets)
        and not worker.cfg.is_ssl
    )


WARM_UP_AGENT = "broadsheet-warm-up"


def _request_through(worker, path: str) -> int:
    """One anonymous GET served by a gunicorn sync worker as it serves readers',
    over a socket pair (its access log shows it, under WARM_UP_AGENT). Returns the
    response's status (0 when none came back)."""
    ours, theirs = socket.socketpair()
    received: list[bytes] = []
    reader = threading.Thread(target=_read_all, args=(ours, received), daemon=True)
    reader.start()
    ours.sendall(
        (
            f"GET {path} HTTP/1.1\r\nHost: {_host()}\r\n"
            "X-Forwarded-Proto: https\r\n"
            f"User-Agent: {WARM_UP_AGENT}\r\nConnection: close\r\n\r\n"
        ).encode()
    )
    worker.handle(worker.sockets[0], theirs, ("127.0.0.1", 0))  # closes `theirs`
    reader.join(timeout=10)
    ours.close()  # closed already, unless the reader gave up waiting
    status_line = b"".join(received).split(b"\r\n", 1)[0].split()
    return int(status_line[1]) if len(status_line) > 1 else 0


def _read_all(sock: socket.socket, received: list[bytes]) -> None:
    """Read the response to its end, then hang up as a client does: the worker
    waits for that before it lets go of the connection."""
    while chunk := sock.recv(65536):
        received.append(chunk)
    sock.close()


def _close_connections() -> None:
    """Leave nothing open for the workers to share."""
    from django.core.cache import caches
    from django.db import connections

    connections.close_all()
    caches.close_all()

"""Machinery for the bad-input sweep (tests/test_bad_input_sweep.py).

The sweep asks every route of the project, as each kind of visitor, with hostile
values in its path and in every query parameter and form field the view reads, and
expects no 500. What a view reads is discovered, not listed by hand:

- the keys it asked ``request.GET`` / ``request.POST`` for on a normal request
  (``get``, ``getlist``, ``[]`` and ``in``), recorded by a QueryDict subclass;
- the fields of the page's own forms and the query parameters of its own links
  (an admin changelist reads its filters with ``items()``, which records nothing);
- the forms other pages point at it (the comment form on the article page is the
  normal request for ``comments:post``), submitted as a browser would.

Each request runs in a savepoint that is rolled back, with the cache cleared (rate
limits would otherwise turn later requests into 429s before the view runs) and the
visitor's cookies restored (a logout or a message would otherwise leak into the
next request).
"""

from __future__ import annotations

import re
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlencode, urljoin, urlsplit

from django.core.cache import cache
from django.core.handlers import wsgi
from django.db import transaction
from django.http import QueryDict
from django.http import request as http_request
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter

# --- Hostile values ---------------------------------------------------------------

# Each is tried alone in one place (a path segment, a query parameter, a field), the
# rest of the request staying normal: a view that checks its inputs one after the
# other would otherwise refuse the first and never reach the one that crashes.
HOSTILE: list[tuple[str, str | bytes]] = [
    ("superscript two", "²"),  # "²".isdigit() is True, int("²") fails
    ("Arabic-Indic three", "٣"),  # int("٣") == 3
    ("huge integer", "99999999999999999999999"),  # past any database integer
    ("negative", "-1"),
    ("empty", ""),
    ("10 KB of digits", "9" * 10_240),  # int() refuses past 4,300 digits
    ("null byte", "\x00"),
    ("invalid UTF-8", b"\xff\xfe"),  # sent percent-encoded, raw bytes on arrival
    ("SQL-like", "1 OR 1=1"),
    ("SQL quote", "'; DROP TABLE"),
    ("HTML", "<script>alert(1)</script>"),
]

# Django's own admin views clean every field through Django's form fields and look
# objects up through the model's own field, so there some values of HOSTILE fall in
# the same class as another and are left out (5,600 requests on each database
# otherwise): "Arabic-Indic three" is an integer Python and Django both accept, as
# the normal value is; "SQL-like" and "SQL quote" are text that is not a number,
# as "HTML" is. Our own views, which may read their inputs any way, get all of them.
SAME_IN_DJANGO_FORMS = {"Arabic-Indic three", "SQL-like", "SQL quote"}
HOSTILE_TO_DJANGO_FORMS = [
    (label, value) for label, value in HOSTILE if label not in SAME_IN_DJANGO_FORMS
]

# Honeypot fields: a browser leaves them empty, and filling them in makes the view
# silently drop the request as a bot's, so a normal request never gets far.
HONEYPOTS = {"website"}
SWEEP_KEY = "_sweep"  # makes an otherwise empty POST truthy, so forms bind


def encode(pairs: list[tuple[str, str | bytes]]) -> str:
    return urlencode(pairs, doseq=False)


def quote_segment(value: str | bytes) -> str:
    return quote(value, safe="")


# --- Routes -----------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    name: str  # "comments:edit", "admin:comments_moderation_bulk"
    pattern: str  # "discussion/comment/<int:pk>/edit/"
    callback: Callable
    converters: dict  # kwarg -> converter (None for a regex group)

    @property
    def is_admin(self) -> bool:
        return self.name.startswith("admin:")

    @property
    def model_admin(self):
        return getattr(self.callback, "model_admin", None)

    def __str__(self) -> str:
        return self.name


def walk_urlconf() -> Iterator[Route]:
    """Every named route of the URLconf, with the converters of its whole path."""

    def walk(resolver, prefix, namespace, converters):
        for entry in resolver.url_patterns:
            pattern_converters = dict(converters)
            pattern_converters.update(_converters(entry.pattern))
            route = prefix + str(entry.pattern)
            if isinstance(entry, URLResolver):
                ns = namespace
                if entry.namespace:
                    ns = (
                        f"{namespace}:{entry.namespace}"
                        if namespace
                        else entry.namespace
                    )
                yield from walk(entry, route, ns, pattern_converters)
            elif isinstance(entry, URLPattern) and entry.name:
                name = f"{namespace}:{entry.name}" if namespace else entry.name
                yield Route(name, route, entry.callback, pattern_converters)

    yield from walk(get_resolver(), "", None, {})


def _converters(pattern) -> dict:
    found = dict(getattr(pattern, "converters", {}))
    regex = getattr(pattern, "regex", None)
    if regex is not None:
        for group in regex.groupindex:
            found.setdefault(group, None)
    return found


def hostile_path_values(
    converter, hostile: list[tuple[str, str | bytes]] = HOSTILE
) -> list[tuple[str, str]]:
    """The hostile values this converter lets through to the view, URL-encoded."""
    if converter is None:  # a regex group (the admin's app_list): only its words
        return []
    values = []
    for label, value in hostile:
        text = value.decode("latin-1") if isinstance(value, bytes) else value
        if not re.fullmatch(converter.regex, text):
            continue
        try:
            converter.to_python(text)
        except ValueError:
            continue  # the resolver answers 404 itself: the view never sees it
        values.append((label, quote_segment(value)))
    return values


def placeholder(converter) -> str:
    return "8642097531" if isinstance(converter, IntConverter) else "sweepplaceholder"


def build_path(route: Route, kwargs: dict, hostile: tuple[str, str] | None = None):
    """reverse() with real values; one kwarg may carry an already-encoded value."""
    if hostile is None:
        return reverse(route.name, kwargs=kwargs)
    name, encoded = hostile
    marker = placeholder(route.converters[name])
    path = reverse(route.name, kwargs={**kwargs, name: marker})
    assert path.count(marker) == 1, path
    return path.replace(marker, encoded)


# --- What a view reads ------------------------------------------------------------


@dataclass
class Reads:
    """The request keys a view asked for during one request."""

    GET: set[str] = field(default_factory=set)
    POST: set[str] = field(default_factory=set)
    headers: set[str] = field(default_factory=set)


_current: Reads | None = None


def _recording(kind: str) -> type[QueryDict]:
    class Recording(QueryDict):
        def _note(self, key):
            if _current is not None and isinstance(key, str):
                getattr(_current, kind).add(key)

        def __getitem__(self, key):
            self._note(key)
            return super().__getitem__(key)

        def __contains__(self, key):
            self._note(key)
            return super().__contains__(key)

        def get(self, key, default=None):
            self._note(key)
            return super().get(key, default)

        def getlist(self, key, default=None):
            self._note(key)
            return super().getlist(key, default)

    Recording.__name__ = f"Recording{kind}QueryDict"
    return Recording


@contextmanager
def recording_reads(monkeypatch) -> Iterator[None]:
    """request.GET is built in django.core.handlers.wsgi, request.POST in
    django.http.request: each module gets its own recording class."""
    monkeypatch.setattr(wsgi, "QueryDict", _recording("GET"))
    monkeypatch.setattr(http_request, "QueryDict", _recording("POST"))
    headers_getitem = http_request.HttpHeaders.__getitem__

    def getitem(self, key):
        if _current is not None:
            _current.headers.add(key.lower())
        return headers_getitem(self, key)

    monkeypatch.setattr(http_request.HttpHeaders, "__getitem__", getitem)
    yield


@contextmanager
def record(reads: Reads) -> Iterator[Reads]:
    global _current
    _current = reads
    try:
        yield reads
    finally:
        _current = None


# --- Forms and links in a page ----------------------------------------------------


@dataclass
class Form:
    method: str
    action: str  # path, resolved against the page
    fields: list[tuple[str, str]]
    checkboxes: list[tuple[str, str]]  # unticked, as (name, value)
    typed: set[str] = field(default_factory=set)  # text a reader types in
    has_file: bool = False


class _PageParser(HTMLParser):
    """Forms (as a browser would submit them) and the query keys of links."""

    def __init__(self, page_path: str):
        super().__init__(convert_charrefs=True)
        self.page_path = page_path
        self.forms: dict[int, dict] = {}
        self.by_id: dict[str, int] = {}
        self.stack: list[int] = []
        self.link_keys: set[str] = set()
        self._select = None  # (form, name, multiple, options, selected)
        self._option = None
        self._textarea = None
        self._pending_outside: list[tuple[str, str, tuple]] = []

    def _owner(self, attrs: dict):
        if attrs.get("form"):
            return ("id", attrs["form"])
        return ("index", self.stack[-1]) if self.stack else None

    def _add(self, owner, kind: str, item: tuple) -> None:
        if owner is None:
            return
        self._pending_outside.append((owner, kind, item))

    def handle_starttag(self, tag, attrs):
        attrs = {k: (v or "") for k, v in attrs}
        if tag == "a" and attrs.get("href", "").startswith("?"):
            self.link_keys.update(k for k, _ in parse_qsl(attrs["href"][1:], True))
        if tag == "form":
            index = len(self.forms)
            self.forms[index] = {
                "method": attrs.get("method", "get").lower(),
                "action": urljoin(self.page_path, attrs.get("action", "")),
            }
            if attrs.get("id"):
                self.by_id[attrs["id"]] = index
            self.stack.append(index)
        elif tag == "input" and attrs.get("name"):
            owner = self._owner(attrs)
            kind = attrs.get("type", "text").lower()
            name, value = attrs["name"], attrs.get("value", "")
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self._add(owner, "field", (name, value or "on"))
                elif kind == "checkbox":
                    self._add(owner, "checkbox", (name, value or "on"))
            elif kind == "file":
                self._add(owner, "file", (name, ""))
            elif kind in ("submit", "image", "button", "reset"):
                self._add(owner, "submit", (name, value))
            elif kind == "hidden":
                self._add(owner, "field", (name, value))
            else:
                self._add(owner, "typed", (name, value))
        elif tag == "button" and attrs.get("name"):
            if attrs.get("type", "submit").lower() == "submit":
                self._add(
                    self._owner(attrs),
                    "submit",
                    (attrs["name"], attrs.get("value", "")),
                )
        elif tag == "select" and attrs.get("name"):
            self._select = [
                self._owner(attrs),
                attrs["name"],
                "multiple" in attrs,
                [],
                [],
            ]
        elif tag == "option" and self._select is not None:
            value = attrs.get("value")
            self._option = [value, "" if value is None else None]
            self._select[3].append(self._option)
            if "selected" in attrs:
                self._select[4].append(self._option)
        elif tag == "textarea" and attrs.get("name"):
            self._textarea = [self._owner(attrs), attrs["name"], []]

    def handle_data(self, data):
        if self._option is not None and self._option[0] is None:
            self._option[1] = (self._option[1] or "") + data
        if self._textarea is not None:
            self._textarea[2].append(data)

    def handle_endtag(self, tag):
        if tag == "form" and self.stack:
            self.stack.pop()
        elif tag == "option":
            self._option = None
        elif tag == "select" and self._select is not None:
            owner, name, multiple, options, selected = self._select
            chosen = selected or ([] if multiple else options[:1])
            for value, text in chosen:
                self._add(
                    owner, "field", (name, value if value is not None else text.strip())
                )
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            owner, name, text = self._textarea
            self._add(owner, "typed", (name, "".join(text).lstrip("\n")))
            self._textarea = None

    def result(self) -> list[Form]:
        forms = {
            i: Form(f["method"], urlsplit(f["action"]).path, [], [])
            for i, f in self.forms.items()
        }
        submitted: set[int] = set()
        for (how, ref), kind, item in self._pending_outside:
            index = self.by_id.get(ref) if how == "id" else ref
            if index is None:
                continue
            form = forms[index]
            if kind in ("field", "typed"):
                form.fields.append(item)
                if kind == "typed":
                    form.typed.add(item[0])
            elif kind == "checkbox":
                form.checkboxes.append(item)
            elif kind == "file":
                form.has_file = True
            elif kind == "submit" and index not in submitted:
                submitted.add(index)  # the first button: the one a reader clicks
                form.fields.append(item)
        return list(forms.values())


def parse_page(path: str, html: str) -> tuple[list[Form], set[str]]:
    parser = _PageParser(path)
    parser.feed(html)
    parser.close()
    return parser.result(), parser.link_keys


def filled(form: Form) -> list[tuple[str, str]]:
    """The form as a browser submits it, its empty text boxes typed in."""
    out = []
    for name, value in form.fields:
        if not value and name in form.typed and name not in HONEYPOTS:
            value = "sweep@example.com" if "email" in name else "A sweep value"
        out.append((name, value))
    return out


# --- Requests ---------------------------------------------------------------------


@dataclass
class Visitor:
    role: str
    client: Client
    cookies: dict[str, str]

    @classmethod
    def signed_in(cls, role: str, user) -> Visitor:
        client = Client(raise_request_exception=False)
        if user is not None:
            client.force_login(user)
        return cls(role, client, {k: m.value for k, m in client.cookies.items()})


@dataclass
class Outcome:
    status: int
    location: str
    content_type: str
    body: str
    exc_info: tuple | None
    reads: Reads


def send(
    visitor: Visitor,
    method: str,
    path: str,
    query: list[tuple[str, str | bytes]],
    body: list[tuple[str, str | bytes]],
    htmx: bool,
) -> Outcome:
    cache.clear()
    visitor.client.cookies = SimpleCookie()
    for key, value in visitor.cookies.items():
        visitor.client.cookies[key] = value
    url = path + ("?" + encode(query) if query else "")
    headers = {"HX-Request": "true"} if htmx else {}
    reads = Reads()
    with transaction.atomic(), record(reads):
        if method == "GET":
            response = visitor.client.generic("GET", url, headers=headers)
        else:
            response = visitor.client.generic(
                "POST",
                url,
                data=encode(body),
                content_type="application/x-www-form-urlencoded",
                headers=headers,
            )
        transaction.set_rollback(True)
    content_type = response.get("Content-Type", "")
    text = ""
    if "html" in content_type and not getattr(response, "streaming", False):
        text = response.content.decode(response.charset or "utf-8", "replace")
    return Outcome(
        response.status_code,
        response.get("Location", ""),
        content_type,
        text,
        getattr(response, "exc_info", None),
        reads,
    )


def where(exc_info) -> str:
    """The innermost frame of the project's own code, "app/module.py:123"."""
    if not exc_info:
        return "(no exception recorded)"
    root = Path(__file__).resolve().parent.parent
    spot = "(outside the project)"
    for frame in traceback.extract_tb(exc_info[2]):
        path = Path(frame.filename).resolve()
        if root in path.parents and ".venv" not in path.parts:
            spot = f"{path.relative_to(root)}:{frame.lineno}"
    return spot


def describe(exc_info) -> str:
    if not exc_info:
        return "500 without an exception"
    exc = exc_info[1]
    first_line = (str(exc).splitlines() or [""])[0][:160]
    return f"{type(exc).__name__}: {first_line}"

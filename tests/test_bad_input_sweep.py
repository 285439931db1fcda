"""No input a visitor can send makes the site answer 500.

Every named route of the project's apps (articles, accounts, comments, newsletter,
and the admin of their models with its custom views) is asked with real objects in
its path, then with hostile values in each path segment a converter lets through and
in each query parameter and form field the view reads, with GET and POST, as an
anonymous visitor, a verified reader and a moderator with two-factor authentication
(admin pages a moderator may not open are asked as an editor-in-chief instead).
A wrong value may be refused with a 400 or 404, a message or a redirect; never a
500. How the reads are discovered is in tests/sweep.py.
"""

import datetime
import logging
import sys
import time
from collections import defaultdict
from dataclasses import dataclass

import pytest
from django.utils import timezone

from articles.models import FrontPage
from comments.models import (
    Comment,
    ModerationDecision,
    ModerationSettings,
    Reaction,
    Report,
    WordRule,
)
from comments.tasks import stop_replies_token
from imports.models import ImportedItem, ImportRun, LegacyLink
from newsletter.models import Delivery, DigestSettings, Subscriber
from newsletter.tokens import make_confirm_token, make_manage_token
from tests import sweep
from tests.accounts.factories import StaffUserFactory, VerifiedUserFactory
from tests.articles.factories import ArticleFactory, AuthorFactory, TagFactory
from tests.comments.factories import CommentFactory
from tests.comments.moderation.helpers import moderator
from tests.comments.questions.factories import ReaderQuestionFactory
from tests.newsletter.factories import IssueFactory, SubscriberFactory, daily, weekly

pytestmark = pytest.mark.django_db

OUR_APPS = ("articles", "accounts", "comments", "newsletter", "imports")
SITE_ROUTES = {"robots_txt", "healthz", "django.contrib.sitemaps.views.sitemap"}
SIGN_IN_PATHS = ("/accounts/login/", "/admin/login/", "/profile/staff-mfa-required/")


def is_ours(route: sweep.Route) -> bool:
    namespace, _, name = route.name.rpartition(":")
    if namespace in OUR_APPS:
        return True
    if namespace == "admin":
        if route.model_admin is not None:
            return route.model_admin.model._meta.app_label in OUR_APPS
        # Custom admin views (moderation queues, issue screens, the user's password
        # page) are named after their model; app_list is filled with our apps only.
        return name == "app_list" or name.startswith(
            tuple(f"{app}_" for app in OUR_APPS) + ("auth_user_",)
        )
    return not namespace and name in SITE_ROUTES


# --- The objects the routes are filled with ---------------------------------------


@dataclass
class World:
    article: object
    draft: object
    question: object
    reader: object
    other: object
    moderator: object
    editor: object
    comment: object  # another reader's published comment
    mine: object  # the reader's own, still editable
    reply: object
    rejected: object
    removed: object
    old: object  # the reader's own, past the edit window
    pending: object
    subscriber: object
    pending_subscriber: object
    issue: object
    admin_objects: dict


@pytest.fixture
def world(settings) -> World:
    settings.COMMENTS_HOLD_FIRST_APPROVED = 0
    tag, author = TagFactory(), AuthorFactory()
    article = ArticleFactory(tags=[tag], authors=[author])
    draft = ArticleFactory(status="draft", section=article.section)
    reader = VerifiedUserFactory(display_name="Rita Reader")
    other = VerifiedUserFactory(display_name="Otto Other")
    mod = moderator()
    editor = StaffUserFactory(display_name="Eda Editor-in-chief")
    long_ago = timezone.now() - datetime.timedelta(days=2)
    comment = CommentFactory(article=article, author=other, created=long_ago)
    mine = CommentFactory(article=article, author=reader)
    reply = CommentFactory(
        article=article, author=reader, parent=comment, root=comment, depth=1
    )
    old = CommentFactory(article=article, author=reader, created=long_ago)
    rejected = CommentFactory(
        article=article,
        author=reader,
        status=Comment.Status.REJECTED,
        rejection_reason=Comment.RejectionReason.OFF_TOPIC,
    )
    removed = CommentFactory(
        article=article, author=reader, status=Comment.Status.REMOVED
    )
    decision = ModerationDecision.objects.create(
        comment=rejected,
        article=article,
        author=reader,
        moderator=mod,
        outcome=ModerationDecision.Outcome.REJECTED,
        reason="Off topic",
        status_before=Comment.Status.APPROVED,
        status_after=Comment.Status.REJECTED,
    )
    pending = CommentFactory(
        article=article, author=other, status=Comment.Status.PENDING
    )
    question = ReaderQuestionFactory(article=article, is_featured=True)
    report = Report.objects.create(comment=comment, user=reader, reason="spam")
    reaction = Reaction.objects.create(comment=comment, user=reader)
    # The factories save rows as they are; the counters the services keep must
    # match, or deleting or un-recommending would take them below zero.
    Comment.objects.filter(pk=comment.pk).update(reaction_count=1, reply_count=1)
    type(article).objects.filter(pk=article.pk).update(
        comment_count=Comment.objects.filter(
            article=article, status=Comment.Status.APPROVED
        ).count()
    )
    rule = WordRule.objects.create(phrase="crook", action="hold")
    moderation_settings, _ = ModerationSettings.objects.get_or_create(pk=1)
    newsletter = daily()
    weekly()
    subscriber = SubscriberFactory(email=reader.email, user=reader)
    pending_subscriber = SubscriberFactory(status=Subscriber.Status.PENDING)
    issue = IssueFactory(articles=[article])
    delivery = Delivery.objects.create(issue=issue, subscriber=subscriber)
    objects = [
        reader,
        article,
        article.section,
        author,
        tag,
        pending,
        rule,
        report,
        decision,
        reaction,
        question,
        moderation_settings,
        newsletter,
        subscriber,
        issue,
        delivery,
        LegacyLink.objects.create(path="/2019/01/old/", article=article),
        ImportedItem.objects.create(
            source="wordpress", kind="post", source_id="1", article=article
        ),
        FrontPage.current(),
        DigestSettings.load(),
        ImportRun.objects.create(
            source="wordpress",
            upload="exports/old.xml",
            file_name="old.xml",
            status=ImportRun.Status.CHECKED,
        ),
    ]
    return World(
        article=article,
        draft=draft,
        question=question,
        reader=reader,
        other=other,
        moderator=mod,
        editor=editor,
        comment=comment,
        mine=mine,
        reply=reply,
        rejected=rejected,
        removed=removed,
        old=old,
        pending=pending,
        subscriber=subscriber,
        pending_subscriber=pending_subscriber,
        issue=issue,
        admin_objects={type(obj): obj for obj in objects},
    )


def path_choices(route: sweep.Route, w: World) -> list[dict]:
    """Real values for the route's path: the first is the one swept, the others
    (drafts, other people's comments, rejected ones…) get a normal request each."""
    names = list(route.converters)
    if not names:
        return [{}]
    if route.model_admin is not None:
        obj = w.admin_objects[route.model_admin.model]
        return [{name: str(obj.pk) for name in names}]
    if route.name.startswith("admin:newsletter_issue_"):
        return [{"object_id": w.issue.pk}]
    others = [w.comment, w.mine, w.reply, w.rejected, w.removed, w.old, w.pending]
    own_first = [w.mine, w.rejected, w.removed, w.old, w.comment, w.pending]
    articles = [{"article_id": w.article.pk}, {"article_id": w.draft.pk}]
    manage = make_manage_token(w.subscriber)
    table = {
        "articles:detail": [{"slug": w.article.slug}, {"slug": w.draft.slug}],
        "articles:section": [{"slug": w.article.section.slug}],
        "articles:section_feed": [{"slug": w.article.section.slug}],
        "articles:tag": [{"slug": w.article.tags.get().slug}],
        "articles:author": [{"slug": w.article.authors.get().slug}],
        "accounts:profile": [{"pk": w.reader.pk}, {"pk": w.moderator.pk}],
        "comments:post": articles,
        "comments:threads": articles,
        "comments:live": articles,
        "comments:live_comments": articles,
        "comments:live_refresh": articles,
        "comments:question_answers": articles,
        "comments:question_answer": [{"pk": w.question.pk}],
        "comments:stop_replies": [{"token": stop_replies_token(w.reader)}],
        "newsletter:confirm": [
            {"token": make_confirm_token(w.pending_subscriber, [daily().pk])}
        ],
        "newsletter:manage": [{"token": manage}],
        "newsletter:unsubscribe": [{"token": manage}],
        "newsletter:resubscribe": [{"token": manage}],
        "admin:comments_moderation_decide": [
            {"pk": w.pending.pk},
            {"pk": w.comment.pk},
        ],
        "admin:auth_user_password_change": [{"id": w.reader.pk}],
        "admin:app_list": [{"app_label": app} for app in OUR_APPS],
    }
    for action in ("permalink", "card", "thread", "reply", "recommend", "report"):
        table[f"comments:{action}"] = [{"pk": c.pk} for c in others]
    for action in ("edit", "delete"):
        table[f"comments:{action}"] = [{"pk": c.pk} for c in own_first]
    assert route.name in table, f"{route.name}: add real values for {names}"
    return table[route.name]


def extra_post_bodies(route: sweep.Route, w: World) -> list[list[tuple]]:
    """Normal POSTs no page offers as such: each admin action run on an object,
    and the second steps of the confirmation pages."""
    bodies = []
    admin = route.model_admin
    if admin is not None and route.name.endswith("_changelist"):
        obj = w.admin_objects[admin.model]
        for action in admin.actions or []:
            name = action if isinstance(action, str) else action.__name__
            bodies.append(
                [("action", name), ("_selected_action", str(obj.pk)), ("index", "0")]
            )
    if route.name == "admin:comments_comment_changelist":
        bodies.append(
            [
                ("action", "reject"),
                ("_selected_action", str(w.pending.pk)),
                ("confirm", "yes"),
                ("reason", "off-topic"),
                ("note", "Not about the article."),
            ]
        )
    if route.name == "admin:comments_readerquestion_changelist":
        bodies.append(
            [
                ("action", "promote"),
                ("_selected_action", str(w.question.pk)),
                ("apply", "1"),
                ("answer", "The newsroom's answer."),
                ("position", "1"),
            ]
        )
    if route.name == "admin:comments_moderation_bulk":
        bodies.append(
            [
                ("action", "approve"),
                ("tab", "pending"),
                ("page", "1"),
                ("selected", str(w.pending.pk)),
                (f"expected-{w.pending.pk}", "pending"),
            ]
        )
    return bodies


# --- The sweep --------------------------------------------------------------------

STOCK_ADMIN_VIEWS = ("_changelist", "_add", "_change", "_delete", "_history")
# What Django's admin reads for every action, before the action runs: swept with
# the first action only.
ACTION_KEYS = {"action", "index", "select_across", "_selected_action"}


def is_stock_admin(route: sweep.Route) -> bool:
    """Django's own admin views (list, add, change, delete, history), configured by
    our ModelAdmins. Their form fields are cleaned all together, so they get each
    hostile value all at once; an admin action is ours, its fields one at a time."""
    return route.model_admin is not None and route.name.endswith(STOCK_ADMIN_VIEWS)


@dataclass
class Baseline:
    """A normal request, and what the view read during it."""

    route: sweep.Route
    role: str
    method: str
    path: str
    body: list
    htmx: bool
    variant: int  # 0: the page's own form (or no body); 1…: other normal POSTs
    outcome: sweep.Outcome
    primary: bool  # with the route's first real path values: inputs are swept
    swept_path: dict | None  # the path kwargs to sweep, on the primary request only

    @property
    def refused(self) -> bool:
        """Turned away before the view's own logic: no input reaches it."""
        status, location = self.outcome.status, self.outcome.location
        return status in (403, 405) or (
            status == 302 and location.startswith(SIGN_IN_PATHS)
        )

    @property
    def stock_admin(self) -> bool:
        return is_stock_admin(self.route) and self.variant == 0

    @property
    def signature(self) -> tuple:
        reads = self.outcome.reads
        return (
            self.route.name,
            self.method,
            self.htmx,
            self.variant,
            self.outcome.status,
            frozenset(reads.GET),
            frozenset(reads.POST),
        )


STATS = defaultdict(lambda: [0, 0.0])


class Sweep:
    def __init__(self, world: World, *, stock_admin: bool):
        self.world = world
        self.stock_admin = stock_admin
        self.visitors = {
            role: sweep.Visitor.signed_in(role, user)
            for role, user in [
                ("reader", world.reader),
                ("moderator", world.moderator),
                ("editor-in-chief", world.editor),
                ("anonymous", None),
            ]
        }
        self.requests = 0
        self.failures: list[tuple] = []
        self.forms: dict[tuple[str, str], sweep.Form] = {}
        self.link_keys: dict[tuple[str, str], set[str]] = defaultdict(set)

    def roles(self, route: sweep.Route) -> list[str]:
        """Readers first: a role that reads the same keys with the same answer as
        one before it runs the same code, and is swept once (see hostile())."""
        roles = ["reader", "moderator", "anonymous"]
        if route.is_admin:
            roles.insert(2, "editor-in-chief")  # for what a moderator may not open
        return roles

    def send(self, route, role, method, path, query, body, htmx, label):
        t0 = time.perf_counter()
        outcome = sweep.send(self.visitors[role], method, path, query, body, htmx)
        STATS[(route.name, method)][0] += 1
        STATS[(route.name, method)][1] += time.perf_counter() - t0
        self.requests += 1
        if outcome.status >= 500:
            self.failures.append((route, role, method, path, label, htmx, outcome))
        return outcome

    # Normal requests -----------------------------------------------------------

    def wanted(self, route: sweep.Route, variant: int) -> bool:
        """This part's requests: Django's stock admin views, or everything else
        (the admin actions of a changelist are ours: with everything else)."""
        return (is_stock_admin(route) and variant == 0) == self.stock_admin

    def baselines(self, routes) -> list[Baseline]:
        done = []
        # GET first: the forms on those pages are the normal POSTs of other routes.
        for method in ("GET", "POST"):
            for route in routes:
                if method == "GET" and not self.wanted(route, 0):
                    continue
                for role in self.roles(route):
                    if role == "editor-in-chief" and any(
                        b.role == "moderator" and not b.refused
                        for b in done
                        if b.route is route and b.method == method
                    ):
                        continue  # the moderator got in: the same page
                    for n, kwargs in enumerate(path_choices(route, self.world)):
                        path = sweep.build_path(route, kwargs)
                        bodies = [[]]
                        if method == "POST":
                            bodies = self.post_bodies(route, role, path)
                        for m, body in enumerate(bodies):
                            if not self.wanted(route, m):
                                continue
                            done += self._baseline(
                                route, role, method, path, body, m, n == 0, kwargs
                            )
        return done

    def _baseline(self, route, role, method, path, body, variant, primary, kwargs):
        made = []
        for htmx in (False, True):
            outcome = self.send(route, role, method, path, [], body, htmx, "normal")
            sweep_path = primary and variant == 0 and not htmx
            made.append(
                Baseline(
                    route,
                    role,
                    method,
                    path,
                    body,
                    htmx,
                    variant,
                    outcome,
                    primary,
                    kwargs if sweep_path else None,
                )
            )
            if method == "GET" and not htmx and outcome.body:
                self._learn(route, role, path, outcome.body)
            if "hx-request" not in outcome.reads.headers:
                break  # the view ignores htmx: one request is enough
        return made

    def _learn(self, route, role, path, html) -> None:
        forms, links = sweep.parse_page(path, html)
        self.link_keys[(route.name, role)] |= links
        for form in forms:
            if form.method == "get" and form.action == path:
                self.link_keys[(route.name, role)] |= {k for k, _ in form.fields}
            if form.method == "post" and not form.has_file:
                self.forms.setdefault((role, form.action), form)
                self.forms.setdefault(("any", form.action), form)

    def post_bodies(self, route, role, path) -> list[list[tuple]]:
        form = self.forms.get((role, path)) or self.forms.get(("any", path))
        if form is None:
            bodies = [[(sweep.SWEEP_KEY, "1")]]
        else:
            bodies = [sweep.filled(form)]
            if form.checkboxes and route.model_admin is None:
                bodies.append(sweep.filled(form) + form.checkboxes)  # all ticked
        return bodies + extra_post_bodies(route, self.world)

    # Hostile requests ----------------------------------------------------------

    def hostile(self, baselines: list[Baseline]) -> None:
        seen_signatures = set()
        swept_keys: dict[tuple, set] = defaultdict(set)
        for baseline in baselines:
            if baseline.outcome.status == 405:
                continue
            if baseline.signature in seen_signatures:
                continue  # another role already ran this code with these inputs
            seen_signatures.add(baseline.signature)
            if baseline.refused:
                # The admin turns strangers away before it reads the path; our
                # own views may look an article up before asking to sign in.
                if not baseline.route.is_admin:
                    self._path(baseline)
                continue
            self._path(baseline)
            if not baseline.primary:
                continue  # other objects in the path: the normal request only
            query_keys, body_keys = self._keys(baseline)
            if baseline.route.model_admin is not None:
                # Every action of a changelist reads the list's own parameters
                # and the ticked rows the same way, before the action runs.
                done = swept_keys[(baseline.route.name, baseline.role)]
                query_keys -= done
                body_keys -= done & ACTION_KEYS
                done |= query_keys | body_keys
            for group in self._groups(baseline, query_keys):
                self._send_each_value(baseline, group, in_query=True)
            for group in self._groups(baseline, body_keys):
                self._send_each_value(baseline, group, in_query=False)

    def _keys(self, baseline: Baseline) -> tuple[set, set]:
        reads = baseline.outcome.reads
        query_keys = set(reads.GET)
        if baseline.method == "GET":
            query_keys |= self.link_keys[(baseline.route.name, baseline.role)]
        body_keys = set(reads.POST) | {k for k, _ in baseline.body}
        body_keys -= {sweep.SWEEP_KEY, "csrfmiddlewaretoken"}
        return query_keys, body_keys

    def _groups(self, baseline: Baseline, keys: set) -> list[list[str]]:
        keys = sorted(keys)
        if not baseline.stock_admin:
            return [[key] for key in keys]
        # "_to_field" answers 400 to any value it does not know before anything
        # else is read: on its own, so it does not hide the rest.
        alone = [[key] for key in keys if key == "_to_field"]
        together = [key for key in keys if key != "_to_field"]
        return alone + ([together] if together else [])

    @staticmethod
    def hostile_values(baseline: Baseline) -> list[tuple[str, str | bytes]]:
        if baseline.stock_admin:
            return sweep.HOSTILE_TO_DJANGO_FORMS
        return sweep.HOSTILE

    def _send_each_value(self, baseline: Baseline, keys: list, in_query: bool):
        route, role, method = baseline.route, baseline.role, baseline.method
        shown = ",".join(keys) if len(keys) < 4 else f"{len(keys)} fields"
        for label, value in self.hostile_values(baseline):
            hostile = [(key, value) for key in keys]
            if in_query:
                query, body = hostile, baseline.body
            else:
                query = []
                body = [(k, v) for k, v in baseline.body if k not in keys] + hostile
            self.send(
                route,
                role,
                method,
                baseline.path,
                query,
                body,
                baseline.htmx,
                f"{'?' if in_query else ''}{shown}={label}",
            )

    def _path(self, baseline: Baseline) -> None:
        route = baseline.route
        if baseline.swept_path is None:
            return
        for name, converter in route.converters.items():
            values = self.hostile_values(baseline)
            for label, encoded in sweep.hostile_path_values(converter, values):
                path = sweep.build_path(route, baseline.swept_path, (name, encoded))
                self.send(
                    route,
                    baseline.role,
                    baseline.method,
                    path,
                    [],
                    baseline.body,
                    False,
                    f"path {name}={label}",
                )

    def report(self) -> str:
        groups = defaultdict(list)
        for route, role, method, path, label, htmx, outcome in self.failures:
            key = (
                route.name,
                method,
                sweep.describe(outcome.exc_info),
                sweep.where(outcome.exc_info),
            )
            groups[key].append((role, path, label, htmx))
        lines = [f"{len(self.failures)} requests answered 500, {len(groups)} causes:"]
        for (name, method, error, spot), cases in sorted(groups.items()):
            lines.append(f"- {method} {name}: {error} at {spot}")
            for role, path, label, htmx in cases[:3]:
                shown = path if len(path) < 100 else path[:97] + "..."
                htmx_note = " (htmx)" if htmx else ""
                lines.append(f"    as {role}{htmx_note}: {shown} with {label}")
            if len(cases) > 3:
                lines.append(f"    … and {len(cases) - 3} more")
        return "\n".join(lines)


def run_sweep(world, monkeypatch, capsys, *, stock_admin: bool) -> None:
    routes = [route for route in sweep.walk_urlconf() if is_ours(route)]
    assert len(routes) > 100, "the URLconf walk found too few routes"
    started = time.monotonic()
    run = Sweep(world, stock_admin=stock_admin)
    previous = logging.root.manager.disable
    logging.disable(logging.CRITICAL)  # thousands of "Not Found" lines otherwise
    try:
        with sweep.recording_reads(monkeypatch):
            run.hostile(run.baselines(routes))
    finally:
        logging.disable(previous)
    part = "Django's admin views" if stock_admin else "the site"
    with capsys.disabled():
        sys.stdout.write(
            f"\nbad-input sweep of {part}: {run.requests} requests "
            f"in {time.monotonic() - started:.1f} s\n"
        )
        import os

        if os.environ.get("SWEEP_STATS"):
            for k, (n, t) in sorted(STATS.items(), key=lambda kv: -kv[1][1])[:40]:
                sys.stdout.write(f"{t:7.2f}s {n:6d} {t / n * 1000:6.1f}ms {k}\n")
    if run.failures:
        pytest.fail(run.report(), pytrace=False)


def test_no_input_makes_the_site_answer_500(world, monkeypatch, capsys):
    """Hostile ids, numbers, bytes and markup are refused, never a server error:
    our views, our admin views and actions."""
    run_sweep(world, monkeypatch, capsys, stock_admin=False)


def test_no_input_makes_the_admin_forms_answer_500(world, monkeypatch, capsys):
    """The same in Django's own admin views of our models (lists, forms, delete
    and history pages), where our ModelAdmins choose the fields and filters."""
    run_sweep(world, monkeypatch, capsys, stock_admin=True)

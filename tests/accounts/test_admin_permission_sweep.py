"""Who reaches which admin page: every admin URL, five roles, one table.

The sweep walks the admin site's registry (each ModelAdmin's `get_urls()`, the
project's own views included) and the admin's index and app pages, asks for each
one as anonymous, a reader, a moderator, an editor and a superuser (staff with
two-factor, as the admin requires), and compares every answer with the tables
below. A URL the tables do not mention is a failure too: a new admin page has to
say who may reach it. docs/accounts.md ("Who may do what in the admin") is the same
table in words.

- Anonymous visitors and readers are sent to the admin's sign-in page (302), which
  sends readers away with 403 (accounts/middleware.py).
- Staff outside a page's roles get 403; an app page they have nothing in is 404,
  as Django's admin hides it.
- Credentials (passwords, email addresses, authenticators, social accounts),
  groups and task results are for superusers alone, whatever a group is granted:
  the tests after the sweep check that with POSTs and with every permission given.
"""

import logging
from dataclasses import dataclass

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount, SocialApp, SocialToken
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.db.models import Model
from django.test import Client
from django.urls import reverse
from django_tasks_db.models import DBTaskResult, get_date_max

from accounts.models import User
from articles.models import FrontPage
from comments.models import (
    Comment,
    ModerationDecision,
    ModerationSettings,
    Reaction,
    Report,
    WordRule,
)
from imports.models import ImportedItem, ImportRun, LegacyLink
from newsletter.models import Delivery, DigestSettings
from tests.accounts.factories import (
    PASSWORD,
    StaffUserFactory,
    VerifiedUserFactory,
    add_totp,
)
from tests.articles.factories import ArticleFactory, AuthorFactory, TagFactory
from tests.comments.factories import CommentFactory
from tests.comments.moderation.helpers import editor, group, moderator
from tests.comments.questions.factories import ReaderQuestionFactory
from tests.newsletter.factories import IssueFactory, SubscriberFactory, daily

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "reader", "moderator", "editor", "superuser")
STAFF = frozenset({"moderator", "editor", "superuser"})
M = frozenset({"moderator", "superuser"})
E = frozenset({"editor", "superuser"})
ME = STAFF  # moderators and editors (and superusers)
S = frozenset({"superuser"})
NOBODY = frozenset()

KINDS = ("changelist", "add", "change", "delete", "history")
OBJECT_KINDS = {"change", "delete", "history"}

# fmt: off
# Who gets each page of a model's admin (GET, on the object `world` makes for it).
#                                        changelist add     change  delete  history
MODEL_PAGES: dict[str, tuple[frozenset[str], ...]] = {
    "articles.article":                    (E,      E,      E,      E,      E),
    "articles.section":                    (E,      E,      E,      E,      E),
    "articles.author":                     (E,      E,      E,      E,      E),
    "articles.tag":                        (E,      E,      E,      E,      E),
    # One front page: the list redirects to it (see OK_STATUS).
    "articles.frontpage":                  (E,      NOBODY, E,      NOBODY, E),
    "comments.comment":                    (M,      NOBODY, M,      S,      M),
    # Reports and recommendations come from readers: nobody adds one here.
    "comments.report":                     (M,      NOBODY, M,      S,      M),
    "comments.wordrule":                   (M,      M,      M,      M,      M),
    "comments.moderationdecision":         (M,      NOBODY, M,      NOBODY, M),
    "comments.reaction":                   (M,      NOBODY, M,      S,      M),
    # The list redirects every staff member to the one settings page (see OK_STATUS);
    # editors set the policy there, moderators read it.
    "comments.moderationsettings":         (ME,     NOBODY, ME,     NOBODY, ME),
    "comments.readerquestion":             (ME,     NOBODY, ME,     S,      ME),
    "newsletter.newsletter":               (E,      S,      E,      S,      E),
    "newsletter.subscriber":               (S,      S,      S,      S,      S),
    "newsletter.issue":                    (E,      E,      E,      S,      E),
    "newsletter.delivery":                 (E,      NOBODY, E,      S,      E),
    # The community digest's one settings page: the list redirects to it.
    "newsletter.digestsettings":           (E,      NOBODY, E,      NOBODY, E),
    # A reader's account; a staff member's is in EXTRA_PAGES.
    "accounts.user":                       (M,      S,      M,      S,      M),
    "account.emailaddress":                (S,      S,      S,      S,      S),
    "mfa.authenticator":                   (S,      S,      S,      S,      S),
    "socialaccount.socialapp":             (S,      S,      S,      S,      S),
    "socialaccount.socialaccount":         (S,      S,      S,      S,      S),
    "socialaccount.socialtoken":           (S,      S,      S,      S,      S),
    "auth.group":                          (S,      S,      S,      S,      S),
    # Task results hold account emails (reset links, sign-in codes); read-only.
    "django_tasks_database.dbtaskresult":  (S,      NOBODY, S,      NOBODY, S),
    # Editors upload and run imports (a run is a record: deleted by superusers);
    # old links and source ids stay with superusers.
    "imports.importrun":                   (E,      E,      E,      S,      E),
    "imports.legacylink":                  (S,      S,      S,      S,      S),
    "imports.importeditem":                (S,      NOBODY, S,      S,      S),
}

# The project's own admin views, and pages on another object than the rows above.
# POST-only views get an empty POST, which changes nothing and redirects back; the
# issue's "send a test" and "resume" redirect a GET (they act on POST only); a staff
# account's page is view-only for moderators.
#  url name                           object               method  who  answer
EXTRA_PAGES: list[tuple[str, str | None, str, frozenset[str], int]] = [
    ("auth_user_password_change",     "accounts.user",     "get",  S,   200),
    ("auth_user_password_change",     "staff account",     "get",  S,   200),
    ("accounts_user_change",          "staff account",     "get",  M,   200),
    ("accounts_user_delete",          "staff account",     "get",  S,   200),
    ("accounts_user_history",         "staff account",     "get",  M,   200),
    ("comments_moderation",           None,                "get",  M,   200),
    ("comments_moderation_bulk",      None,                "post", M,   302),
    ("comments_moderation_decide",    "comments.comment",  "post", M,   302),
    ("comments_dashboard",            None,                "get",  ME,  200),
    ("newsletter_subscriber_export",  None,                "get",  S,   200),
    ("newsletter_subscriber_import",  None,                "get",  S,   200),
    ("newsletter_issue_preview_html", "newsletter.issue",  "get",  E,   200),
    ("newsletter_issue_preview_text", "newsletter.issue",  "get",  E,   200),
    ("newsletter_issue_progress",     "newsletter.issue",  "get",  E,   200),
    ("newsletter_issue_fill",         "newsletter.issue",  "get",  E,   200),
    ("newsletter_issue_send",         "newsletter.issue",  "get",  E,   200),
    ("newsletter_issue_send_test",    "newsletter.issue",  "get",  E,   302),
    ("newsletter_issue_resume",       "newsletter.issue",  "get",  E,   302),
    ("imports_importrun_progress",    "imports.importrun", "get",  E,   200),
    ("imports_importrun_start",       "imports.importrun", "post", E,   302),
]

# The admin's page for each app: staff with nothing in an app get 404.
APP_PAGES: dict[str, frozenset[str]] = {
    "articles": E,
    "comments": ME,
    "newsletter": E,
    "accounts": M,
    "account": S,
    "mfa": S,
    # Off the index while no social provider is enabled (none is here).
    "socialaccount": NOBODY,
    "auth": S,
    "django_tasks_database": S,
    "imports": E,
}
# fmt: on

# Pages whose allowed answer is not 200.
OK_STATUS = {
    "comments_moderationsettings_changelist": 302,
    "articles_frontpage_changelist": 302,
    "newsletter_digestsettings_changelist": 302,
}


@dataclass(frozen=True)
class Page:
    """One request of the sweep and the answers it should get."""

    label: str
    url: str
    method: str
    allowed: frozenset[str]
    ok: int = 200
    denied: int = 403

    def expected(self, role: str) -> int:
        if role not in STAFF:
            return 302  # to the admin's sign-in page
        return self.ok if role in self.allowed else self.denied


@dataclass
class World:
    """The five roles' users and one object of every model the admin shows."""

    users: dict[str, User | None]
    objects: dict[str, Model]


def build_world() -> World:
    """Real rows for every object URL; no admin page is skipped for want of one."""
    reader = VerifiedUserFactory()
    # Another reader's account, with everything that makes up their credentials.
    victim = VerifiedUserFactory(email="victim@example.com")
    add_totp(victim)
    app = SocialApp.objects.create(
        provider="google", name="Google", client_id="id", secret="secret"
    )
    social = SocialAccount.objects.create(user=victim, provider="google", uid="42")
    token = SocialToken.objects.create(app=app, account=social, token="token")
    author = AuthorFactory()
    tag = TagFactory()
    article = ArticleFactory(tags=[tag], authors=[author])
    comment = CommentFactory(
        article=article, author=victim, status=Comment.Status.PENDING
    )
    issue = IssueFactory(articles=[article])
    subscriber = SubscriberFactory()
    moderation_settings, _ = ModerationSettings.objects.get_or_create(pk=1)
    task = DBTaskResult.objects.create(
        task_path="accounts.tasks.send_account_email",
        args_kwargs={"args": [], "kwargs": {}},
        backend_name="default",
        run_after=get_date_max(),
        exception_class_path="",
        traceback="",
    )
    objects: dict[str, Model] = {
        "accounts.user": victim,
        "staff account": StaffUserFactory(is_superuser=False),
        "account.emailaddress": EmailAddress.objects.get(user=victim),
        "mfa.authenticator": Authenticator.objects.get(user=victim),
        "socialaccount.socialapp": app,
        "socialaccount.socialaccount": social,
        "socialaccount.socialtoken": token,
        "auth.group": group("Moderator"),
        "django_tasks_database.dbtaskresult": task,
        "articles.article": article,
        "articles.section": article.section,
        "articles.author": author,
        "articles.tag": tag,
        "comments.comment": comment,
        "comments.report": Report.objects.create(
            user=reader, comment=comment, reason=Report.Reason.ABUSE
        ),
        "comments.wordrule": WordRule.objects.create(
            phrase="crook", action=WordRule.Action.HOLD
        ),
        "comments.moderationdecision": ModerationDecision.objects.create(
            comment=comment,
            article=article,
            author=victim,
            outcome=ModerationDecision.Outcome.HELD,
        ),
        "comments.reaction": Reaction.objects.create(user=reader, comment=comment),
        "comments.readerquestion": ReaderQuestionFactory(
            article=article, author=victim
        ),
        "comments.moderationsettings": moderation_settings,
        "newsletter.newsletter": daily(),
        "newsletter.digestsettings": DigestSettings.load(),
        "newsletter.subscriber": subscriber,
        "newsletter.issue": issue,
        "newsletter.delivery": Delivery.objects.create(
            issue=issue, subscriber=subscriber
        ),
        "articles.frontpage": FrontPage.current(),
        "imports.legacylink": LegacyLink.objects.create(
            path="/2019/01/old/", article=article
        ),
        "imports.importrun": ImportRun.objects.create(
            source="wordpress", upload="exports/old.xml", file_name="old.xml"
        ),
        "imports.importeditem": ImportedItem.objects.create(
            source="wordpress", kind="post", source_id="1", article=article
        ),
    }
    users: dict[str, User | None] = {
        "anonymous": None,
        "reader": reader,
        "moderator": moderator(),
        "editor": editor(),
        "superuser": StaffUserFactory(),
    }
    return World(users=users, objects=objects)


@pytest.fixture
def world() -> World:
    return build_world()


def _url(name: str, obj: Model | None) -> str:
    return reverse(f"admin:{name}", args=[obj.pk] if obj is not None else [])


def admin_pages(objects: dict[str, Model]) -> tuple[list[Page], list[str]]:
    """Every admin page with its expected answers, and what the tables miss."""
    pages = [Page("admin index", reverse("admin:index"), "get", STAFF)]
    missing = []
    extra_names = {row[0] for row in EXTRA_PAGES}
    registry = admin.site._registry
    app_labels = {model._meta.app_label for model in registry}
    if app_labels != set(APP_PAGES):
        missing.append(
            f"APP_PAGES lists {sorted(APP_PAGES)}, the admin has {app_labels}"
        )
    for app_label, allowed in APP_PAGES.items():
        url = reverse("admin:app_list", kwargs={"app_label": app_label})
        pages.append(Page(f"{app_label} app", url, "get", allowed, denied=404))
    for model, model_admin in registry.items():
        label = model._meta.label_lower
        if label not in MODEL_PAGES:
            missing.append(f"{label}: not in MODEL_PAGES")
            continue
        prefix = f"{model._meta.app_label}_{model._meta.model_name}_"
        roles = dict(zip(KINDS, MODEL_PAGES[label], strict=True))
        for pattern in model_admin.get_urls():
            name = pattern.name
            if name is None:
                continue  # "<id>/": the old address of the change page, a redirect
            kind = name.removeprefix(prefix)
            if kind in KINDS:
                obj = objects[label] if kind in OBJECT_KINDS else None
                pages.append(
                    Page(
                        f"{label} {kind}",
                        _url(name, obj),
                        "get",
                        roles[kind],
                        ok=OK_STATUS.get(name, 200),
                    )
                )
            elif name not in extra_names:
                missing.append(f"admin:{name}: not in EXTRA_PAGES")
    for name, key, method, allowed, ok in EXTRA_PAGES:
        obj = objects[key] if key is not None else None
        pages.append(Page(f"{name} ({key})", _url(name, obj), method, allowed, ok=ok))
    return pages, missing


def ask(client: Client, page: Page) -> tuple[int, str]:
    response = getattr(client, page.method)(page.url)
    if response.streaming:
        # Read to the end: the test client then finishes the request without
        # closing the test's database connection (response.close() would).
        b"".join(response.streaming_content)
    return response.status_code, response.get("Location", "")


def sweep(world: World) -> tuple[list[str], int]:
    """Ask for every page as every role; the mismatches and the number of requests."""
    pages, problems = admin_pages(world.objects)
    login = reverse("admin:login")
    requests = 0
    for role in ROLES:
        client = Client()
        if world.users[role] is not None:
            client.force_login(world.users[role])
        for page in pages:
            status, location = ask(client, page)
            requests += 1
            want = page.expected(role)
            if status != want:
                problems.append(
                    f"{role:9} {page.method.upper():4} {page.url} ({page.label}): "
                    f"expected {want}, got {status}"
                )
            elif role not in STAFF and not location.startswith(login):
                problems.append(f"{role:9} {page.url}: sent to {location}, not sign-in")
    return problems, requests


def test_every_admin_page_answers_each_role_as_the_table_says(
    world, request, capsys, caplog
):
    """Each role reaches exactly the admin pages its job needs, no more: the tables
    above, for every URL of every registered admin and the admin's own pages."""
    caplog.set_level(logging.ERROR, logger="django.request")  # hundreds of 403s
    problems, requests = sweep(world)
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        with capsys.disabled():
            reporter.write_line(f"admin permission sweep: {requests} requests")
    assert not problems, f"{len(problems)} of {requests}:\n" + "\n".join(problems)


# --- Credentials: POSTs too, and whatever a group is granted -------------------------

NEW_PASSWORD = "a brand new passphrase 2718"
PASSWORD_FORM = {
    "password1": NEW_PASSWORD,
    "password2": NEW_PASSWORD,
    "usable_password": "true",
}
CREDENTIAL_MODELS = [
    EmailAddress,
    Authenticator,
    SocialApp,
    SocialAccount,
    SocialToken,
    Group,
    DBTaskResult,
]


def credential_requests(world: World) -> list[tuple[str, str, dict]]:
    """(method, url, data): every way at another person's credentials or a group."""
    objects = world.objects
    attacker = world.users["moderator"]
    victim = objects["accounts.user"]
    every_permission = list(Permission.objects.values_list("pk", flat=True))
    forged = {
        EmailAddress: {"user": attacker.pk, "email": "evil@example.com"},
        Authenticator: {"user": attacker.pk, "type": "totp", "data": "{}"},
        SocialApp: {"provider": "google", "name": "Evil", "client_id": "evil"},
        SocialAccount: {"user": attacker.pk, "provider": "google", "uid": "evil"},
        SocialToken: {"app": objects["socialaccount.socialapp"].pk, "token": "evil"},
        Group: {"name": "Moderator", "permissions": every_permission},
        DBTaskResult: {},
    }
    found = []
    for account in (victim, objects["staff account"]):
        url = _url("auth_user_password_change", account)
        found += [("get", url, {}), ("post", url, PASSWORD_FORM)]
    for model in CREDENTIAL_MODELS:
        info = f"{model._meta.app_label}_{model._meta.model_name}"
        obj = objects[model._meta.label_lower]
        data = forged[model]
        changelist = _url(f"{info}_changelist", None)
        found += [
            ("get", changelist, {}),
            (
                "post",
                changelist,
                {"action": "delete_selected", "_selected_action": [obj.pk]},
            ),
            ("get", _url(f"{info}_add", None), {}),
            ("post", _url(f"{info}_add", None), data),
            ("get", _url(f"{info}_change", obj), {}),
            ("post", _url(f"{info}_change", obj), data),
            ("get", _url(f"{info}_delete", obj), {}),
            ("post", _url(f"{info}_delete", obj), {"post": "yes"}),
            ("get", _url(f"{info}_history", obj), {}),
        ]
    return found


def rows(model: type[Model]) -> list[tuple]:
    fields = [field.attname for field in model._meta.concrete_fields]
    return sorted(model.objects.values_list(*fields), key=repr)


def credentials_snapshot() -> dict[str, object]:
    """Everything a successful request above would have changed."""
    users = User.objects.order_by("pk")
    return {
        "passwords": list(users.values_list("pk", "password")),
        "superusers": list(users.filter(is_superuser=True).values_list("pk")),
        **{model._meta.label: rows(model) for model in CREDENTIAL_MODELS},
        "group permissions": sorted(
            Group.permissions.through.objects.values_list("group_id", "permission_id")
        ),
        "user groups": sorted(
            User.groups.through.objects.values_list("user_id", "group_id")
        ),
    }


@pytest.mark.parametrize(
    "granted", [False, True], ids=["groups-as-migrated", "groups-granted-everything"]
)
def test_no_moderator_or_editor_reaches_anyones_credentials(
    client, world, granted, caplog
):
    """Moderators and editors never reach another person's password, email
    addresses, two-factor authenticators, social accounts, groups or task results,
    not even once their group is given every permission there is: every GET and
    POST answers 403 and nothing changes."""
    caplog.set_level(logging.ERROR, logger="django.request")
    if granted:
        for name in ("Moderator", "Editor"):
            group(name).permissions.set(Permission.objects.all())
    before = credentials_snapshot()
    problems = []
    for role in ("moderator", "editor"):
        client.force_login(world.users[role])
        for method, url, data in credential_requests(world):
            status = getattr(client, method)(url, data).status_code
            if status != 403:
                problems.append(f"{role} {method.upper()} {url}: {status}, not 403")
    assert not problems, "\n".join(problems)
    assert credentials_snapshot() == before
    victim = world.objects["accounts.user"]
    victim.refresh_from_db()
    assert victim.check_password(PASSWORD)


def test_only_superusers_set_a_password_in_the_admin(client, world):
    """The same POST that a moderator is refused sets the password for a superuser."""
    victim = world.objects["accounts.user"]
    client.force_login(world.users["superuser"])
    response = client.post(_url("auth_user_password_change", victim), PASSWORD_FORM)
    assert response.status_code == 302
    victim.refresh_from_db()
    assert victim.check_password(NEW_PASSWORD)


def test_permissions_have_no_admin_page():
    """Permissions are granted through groups, which only superusers edit."""
    assert not admin.site.is_registered(Permission)


def test_a_moderator_changes_only_the_readers_standing_whatever_the_post_says(
    client, world
):
    """A crafted POST to a reader's page changes their standing and nothing else:
    not their address, name, profile, staff status, groups, permissions or password.
    """
    reader = world.objects["accounts.user"]
    kept = [
        "email",
        "display_name",
        "bio",
        "notify_on_reply",
        "is_active",
        "is_staff",
        "is_superuser",
        "password",
        "date_joined",
    ]
    before = User.objects.filter(pk=reader.pk).values(*kept).get()
    client.force_login(world.users["moderator"])
    response = client.post(
        _url("accounts_user_change", reader),
        {
            "premoderated": "on",  # the one change a moderator may make
            "email": "evil@example.com",
            "display_name": "Evil Twin",
            "bio": "Taken over.",
            # notify_on_reply and is_active left out: unticked, were they fields
            "is_staff": "on",
            "is_superuser": "on",
            "groups": [group("Moderator").pk],
            "user_permissions": list(Permission.objects.values_list("pk", flat=True)),
            "password": "md5$salt$0123456789abcdef0123456789abcdef",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
            "date_joined_0": "2001-01-01",
            "date_joined_1": "00:00:00",
        },
    )
    assert response.status_code == 302
    reader.refresh_from_db()
    assert reader.premoderated
    assert User.objects.filter(pk=reader.pk).values(*kept).get() == before
    assert not reader.groups.exists()
    assert not reader.user_permissions.exists()

"""Hostile values in every parameter of every newsletter page, public and admin.

The rule checked: whatever a client sends (non-ASCII digits, numbers past any
database's range, negatives, empty values, 10 KB strings, null bytes, SQL- and
HTML-like text), the answer is a page with a clear message (400), a redirect or a
404, never a 500, and nothing is stored. The test client re-raises exceptions
from views, so a 500 fails these tests with its traceback.
"""

from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.admin_ids import BAD_SELECTION
from core.ids import is_row_id
from newsletter import admin, forms, views
from newsletter.models import Subscriber
from newsletter.tokens import make_confirm_token, make_manage_token
from tests.accounts.factories import VerifiedUserFactory
from tests.newsletter.factories import IssueFactory, SubscriberFactory, daily, weekly

pytestmark = pytest.mark.django_db

HOSTILE = {
    "superscript-two": "²",
    "arabic-indic-digits": "١٢",
    "huge": "99999999999999999999999",
    "past-bigint": str(2**63),
    "negative": "-1",
    "zero": "0",
    "empty": "",
    "ten-kb": "7" * 10_240,
    "null-byte": "1\x00",
    "sql": "1 OR 1=1; DROP TABLE newsletter_subscriber; --",
    "html": '"><script>alert(1)</script>',
}
# Values the newsletter checkboxes can never send: each must be refused.
BAD_NEWSLETTER_IDS = {k: v for k, v in HOSTILE.items() if k != "empty"}


def status_ok(response, *allowed: int) -> None:
    assert response.status_code in allowed, (
        response.status_code,
        response.content[:300],
    )


def path_with(name: str, value: str) -> str:
    """A newsletter link with `value` in place of its token, percent-encoded as a
    client would send it (an empty value leaves `//`, which matches no route)."""
    return reverse(f"newsletter:{name}", args=["TOKEN"]).replace(
        "TOKEN", quote(value, safe="")
    )


# --- Public pages ------


@pytest.mark.parametrize("field", ["email", "newsletters", "website", "source"])
@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
def test_signup_form_answers_hostile_values_without_an_error(
    client, settings, field, htmx
):
    settings.NEWSLETTER_SIGNUP_LIMIT_PER_IP = (100, 3600)
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    for value in HOSTILE.values():
        data = {"email": "reader@example.com", "newsletters": [daily().pk]}
        response = client.post(
            reverse("newsletter:subscribe"), {**data, field: value}, **headers
        )
        status_ok(response, 200, 302, 400)
        if field in ("email", "newsletters") and response.status_code != 302:
            assert not Subscriber.objects.exists(), value


@pytest.mark.parametrize("value", BAD_NEWSLETTER_IDS.values(), ids=BAD_NEWSLETTER_IDS)
def test_signup_refuses_a_newsletter_id_that_is_not_ours_next_to_the_field(
    client, value
):
    """The message sits in the newsletters fieldset, the rest of the form is kept,
    and nothing is stored."""
    response = client.post(
        reverse("newsletter:subscribe"),
        {"email": "reader@example.com", "newsletters": [daily().pk, value]},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="nl-newsletters-error">' + forms.NEWSLETTER_NOT_OURS in html
    assert 'value="reader@example.com"' in html
    assert "<script>alert(1)" not in html
    assert not Subscriber.objects.exists()


@pytest.fixture
def reader(client):
    user = VerifiedUserFactory()
    client.force_login(user)
    return user


@pytest.mark.parametrize("value", BAD_NEWSLETTER_IDS.values(), ids=BAD_NEWSLETTER_IDS)
def test_one_click_refuses_a_newsletter_id_that_is_not_ours_with_a_400(
    client, reader, value
):
    """`newsletters=abc` or a number past the database's range once answered 500;
    now a 400 page with the message, and nothing is subscribed."""
    response = client.post(
        reverse("newsletter:subscribe_me"),
        {"newsletters": [weekly().pk, value], "next": "/articles/x/"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert forms.NEWSLETTER_NOT_OURS in html
    assert reverse("newsletter:preferences") in html
    assert "<script>alert(1)" not in html
    assert not Subscriber.objects.exists()


@pytest.mark.parametrize("value", ["abc", "99999999999999999999999"])
def test_one_click_with_a_bad_id_answers_400_for_unverified_readers_too(
    client, user, value
):
    client.force_login(user)
    response = client.post(reverse("newsletter:subscribe_me"), {"newsletters": value})
    assert response.status_code == 400
    assert not Subscriber.objects.exists()


@pytest.mark.parametrize("value", HOSTILE.values(), ids=HOSTILE.keys())
def test_one_click_next_never_leaves_the_site_nor_fails(client, reader, value):
    """A `next` that is not a path on this site falls back to the preferences."""
    response = client.post(
        reverse("newsletter:subscribe_me"),
        {"newsletters": [weekly().pk], "next": value},
    )
    status_ok(response, 302)
    assert response["Location"] == reverse("newsletter:preferences")
    assert Subscriber.objects.get().status == Subscriber.Status.CONFIRMED


@pytest.mark.parametrize("value", BAD_NEWSLETTER_IDS.values(), ids=BAD_NEWSLETTER_IDS)
def test_preferences_refuse_a_bad_newsletter_id_next_to_the_field(
    client, reader, value
):
    """Signed-in preferences: 400, the message in the fieldset, choices unchanged."""
    subscriber = SubscriberFactory(email=reader.email, user=reader)
    response = client.post(
        reverse("newsletter:preferences"), {"newsletters": [weekly().pk, value]}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="prefs-error">' + forms.NEWSLETTER_NOT_OURS in html
    assert "<script>alert(1)" not in html
    assert list(subscriber.newsletters.all()) == [daily()]


@pytest.mark.parametrize("value", BAD_NEWSLETTER_IDS.values(), ids=BAD_NEWSLETTER_IDS)
def test_emailed_preferences_refuse_a_bad_newsletter_id(client, value):
    """The signed preferences link: same rule, the subscription is untouched."""
    subscriber = SubscriberFactory()
    url = reverse("newsletter:manage", args=[make_manage_token(subscriber)])
    response = client.post(url, {"newsletters": [weekly().pk, value]})
    assert response.status_code == 400
    assert forms.NEWSLETTER_NOT_OURS in response.content.decode()
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.CONFIRMED
    assert list(subscriber.newsletters.all()) == [daily()]


@pytest.mark.parametrize(
    "name, method",
    [
        ("confirm", "get"),
        ("confirm", "post"),
        ("manage", "get"),
        ("manage", "post"),
        ("unsubscribe", "get"),
        ("unsubscribe", "post"),
        ("resubscribe", "post"),
    ],
)
def test_links_with_a_hostile_token_get_the_invalid_link_page(client, name, method):
    subscriber = SubscriberFactory()
    for value in HOSTILE.values():
        response = getattr(client, method)(path_with(name, value))
        status_ok(response, 400, 404)
        if response.status_code == 400:
            assert views.LINK_INVALID in response.content.decode()
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.CONFIRMED


@pytest.mark.parametrize("value", HOSTILE.values(), ids=HOSTILE.keys())
def test_query_strings_change_nothing_on_reading_pages(client, value):
    """Pages that take no parameters ignore whatever is appended."""
    pending = SubscriberFactory(status=Subscriber.Status.PENDING)
    links = [
        reverse("newsletter:index"),
        reverse("newsletter:check_inbox"),
        reverse("newsletter:confirm", args=[make_confirm_token(pending, [1])]),
        reverse("newsletter:manage", args=[make_manage_token(pending)]),
        reverse("newsletter:unsubscribe", args=[make_manage_token(pending)]),
    ]
    for link in links:
        response = client.get(link, {"newsletters": value, "token": value})
        status_ok(response, 200)
    pending.refresh_from_db()
    assert pending.status == Subscriber.Status.PENDING


# --- Admin ------


@pytest.fixture
def editor(client, staff_user):
    client.force_login(staff_user)
    return client


# Each admin list with the query parameters it reads (filters, search, order, page).
LIST_PARAMETERS = [
    ("subscriber", "status__exact"),
    ("subscriber", "newsletters__id__exact"),
    ("subscriber", "source"),
    ("subscriber", "created__gte"),
    ("subscriber", "created__year"),
    ("subscriber", "created__month"),
    ("subscriber", "q"),
    ("subscriber", "o"),
    ("subscriber", "p"),
    ("newsletter", "o"),
    ("issue", "status__exact"),
    ("issue", "newsletter__id__exact"),
    ("issue", "q"),
    ("delivery", "status__exact"),
    ("delivery", "issue__id__exact"),
    ("delivery", "q"),
]


def list_query(parameter: str, value: str) -> dict:
    query = {parameter: value}
    if parameter.endswith("__month"):  # the date hierarchy needs the year too
        query["created__year"] = "2025"
    return query


@pytest.mark.parametrize("model, parameter", LIST_PARAMETERS)
def test_admin_lists_survive_hostile_filters(editor, model, parameter):
    """A filter Django cannot use reloads the list unfiltered (its own rule for
    bad filters); a null byte or a year past any date used to reach the database
    or `datetime` and answer 500."""
    IssueFactory()
    SubscriberFactory()
    url = reverse(f"admin:newsletter_{model}_changelist")
    for value in HOSTILE.values():
        status_ok(editor.get(url, list_query(parameter, value)), 200, 302)


@pytest.mark.parametrize(
    "parameter", [p for model, p in LIST_PARAMETERS if model == "subscriber"]
)
def test_export_with_hostile_filters_goes_back_to_the_list_with_a_message(
    editor, parameter
):
    """Export follows the list's filters; filters the list would refuse send the
    editor back to it with a message instead of a 500."""
    SubscriberFactory()
    url = reverse("admin:newsletter_subscriber_export")
    for value in HOSTILE.values():
        response = editor.get(url, list_query(parameter, value))
        status_ok(response, 200, 302)
        if response.streaming:
            b"".join(response.streaming_content)
            continue
        assert response["Location"] == reverse("admin:newsletter_subscriber_changelist")
        page = editor.get(response["Location"])
        assert admin.EXPORT_BAD_FILTERS in page.content.decode()


@pytest.mark.parametrize(
    "model, action",
    [
        ("subscriber", "mark_bounced"),
        ("subscriber", "delete_selected"),
        ("newsletter", "delete_selected"),
        ("issue", "delete_selected"),
        ("delivery", "delete_selected"),
    ],
)
def test_admin_actions_refuse_hostile_row_ids(editor, model, action):
    """Ticked rows are ids: anything else is refused with a message and nothing
    changes (`abc` raised ValueError, a number past the range OverflowError)."""
    subscriber = SubscriberFactory()
    url = reverse(f"admin:newsletter_{model}_changelist")
    for value in HOSTILE.values():
        assert not is_row_id(value)
        response = editor.post(url, {"action": action, "_selected_action": [value]})
        status_ok(response, 302)
        page = editor.get(response["Location"])
        assert BAD_SELECTION in page.content.decode(), value
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.CONFIRMED
    assert Subscriber.objects.count() == 1


def test_subscriber_change_page_survives_hostile_ids(editor):
    SubscriberFactory()
    for value in HOSTILE.values():
        url = reverse("admin:newsletter_subscriber_change", args=[1]).replace(
            "/1/", f"/{quote(value, safe='')}/"
        )
        status_ok(editor.get(url), 200, 302, 404)


ISSUE_PAGES = [
    "change",
    "delete",
    "history",
    "preview_html",
    "preview_text",
    "fill",
    "send_test",
    "send",
    "resume",
    "progress",
]


@pytest.mark.parametrize("screen", ISSUE_PAGES)
@pytest.mark.parametrize("method", ["get", "post"])
def test_issue_admin_pages_survive_hostile_ids(editor, screen, method):
    """An id that is not an issue's: 404 or the admin's redirect, and no issue
    changes (the change page's own lookup raised ValueError on `abc`)."""
    issue = IssueFactory()
    for value in HOSTILE.values():
        url = reverse(f"admin:newsletter_issue_{screen}", args=[1]).replace(
            "/1/", f"/{quote(value, safe='')}/"
        )
        status_ok(getattr(editor, method)(url), 200, 302, 404)
    issue.refresh_from_db()
    assert issue.status == issue.Status.DRAFT


@pytest.mark.parametrize("value", HOSTILE.values(), ids=HOSTILE.keys())
def test_fill_from_recent_refuses_hostile_days_next_to_the_field(editor, value):
    issue = IssueFactory(articles=[])
    response = editor.post(
        reverse("admin:newsletter_issue_fill", args=[issue.pk]), {"days": value}
    )
    status_ok(response, 200, 302)
    if response.status_code == 200:
        assert response.context["form"].errors["days"]
    if value not in ("١٢",):  # Arabic-Indic 12 is a number: 12 days
        assert not issue.items.exists()


@pytest.mark.parametrize("value", HOSTILE.values(), ids=HOSTILE.keys())
def test_import_survives_a_hostile_file_field(editor, value):
    """The file field sent as plain text, or a file holding only the value."""
    count = Subscriber.objects.count()
    url = reverse("admin:newsletter_subscriber_import")
    as_text = editor.post(url, {"file": value})
    status_ok(as_text, 200)
    assert as_text.context["form"].errors["file"]
    upload = SimpleUploadedFile("list.csv", value.encode(), content_type="text/csv")
    status_ok(editor.post(url, {"file": upload}), 200)
    assert Subscriber.objects.count() == count

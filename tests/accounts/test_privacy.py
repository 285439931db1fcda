"""Download my data and delete my account."""

import json

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.urls import reverse

from accounts import privacy
from accounts.forms import CONFIRM_REQUIRED, WRONG_CODE, WRONG_PASSWORD
from accounts.models import User
from tests.accounts.conftest import last_mail_to
from tests.accounts.factories import PASSWORD, StaffUserFactory, VerifiedUserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def reader(client):
    user = VerifiedUserFactory(display_name="Sam Reader", bio="Hello")
    client.force_login(user)
    return user


@pytest.fixture
def registries(monkeypatch):
    """Isolated privacy registries, as other apps would fill them in ready()."""
    exporters: dict = {}
    erasers: list = []
    monkeypatch.setattr(privacy, "_exporters", exporters)
    monkeypatch.setattr(privacy, "_erasers", erasers)
    return exporters, erasers


def test_download_is_a_json_attachment_with_profile_and_emails(client, reader):
    """The file holds the profile and email addresses, and is a download."""
    response = client.post(reverse("accounts:download_data"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.content)
    assert data["profile"]["email"] == reader.email
    assert data["profile"]["display_name"] == "Sam Reader"
    assert data["profile"]["bio"] == "Hello"
    assert data["email_addresses"] == [
        {"email": reader.email, "verified": True, "primary": True}
    ]


def test_download_lists_second_factors_without_their_secrets(client):
    """Staff see that they have an authenticator app; the secret is never exported."""
    staff = StaffUserFactory()
    client.force_login(staff)
    response = client.post(reverse("accounts:download_data"))
    data = json.loads(response.content)
    assert [item["type"] for item in data["two_factor"]] == ["totp"]
    secret = Authenticator.objects.get(user=staff).data["secret"]
    assert secret not in response.content.decode()
    assert data["social_accounts"] == []


def test_download_includes_every_registered_exporter(client, reader, registries):
    """Other apps' data (comments, questions, …) appears under their own key."""
    privacy.register_exporter("comments", lambda user: [{"body": f"by {user.pk}"}])
    data = json.loads(client.post(reverse("accounts:download_data")).content)
    assert data["comments"] == [{"body": f"by {reader.pk}"}]


def test_download_needs_a_post_and_a_signed_in_reader(client, reader):
    """A GET (a link, a prefetch) never produces the file; strangers get nothing."""
    assert client.get(reverse("accounts:download_data")).status_code == 405
    client.logout()
    response = client.post(reverse("accounts:download_data"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_delete_with_the_wrong_password_keeps_the_account(client, reader):
    """A wrong password is refused with a message; nothing is deleted."""
    response = client.post(
        reverse("accounts:delete"), {"confirm": "on", "password": "nope"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["password"] == [WRONG_PASSWORD]
    assert User.objects.filter(pk=reader.pk).exists()


def test_delete_needs_the_confirmation_box(client, reader):
    response = client.post(reverse("accounts:delete"), {"password": PASSWORD})
    assert response.context["form"].errors["confirm"] == [CONFIRM_REQUIRED]
    assert User.objects.filter(pk=reader.pk).exists()


def test_delete_runs_erasers_removes_everything_and_signs_out(
    client, reader, registries
):
    """The erasers run, then the user and allauth's rows go, and the visitor is
    signed out and shown a confirmation."""
    _, erasers = registries
    seen = []
    privacy.register_eraser(lambda user: seen.append(user.pk))
    pk = reader.pk
    response = client.post(
        reverse("accounts:delete"), {"confirm": "on", "password": PASSWORD}, follow=True
    )
    assert seen == [pk]
    assert not User.objects.filter(pk=pk).exists()
    assert not EmailAddress.objects.filter(user_id=pk).exists()
    assert "_auth_user_id" not in client.session
    assert "Your account has been deleted" in response.content.decode()


def test_a_failing_eraser_deletes_nothing(client, reader, registries):
    """Deletion is one transaction: if an eraser fails, the account stays whole."""

    def broken(user):
        EmailAddress.objects.filter(user=user).delete()
        raise RuntimeError("eraser failed")

    privacy.register_eraser(broken)
    with pytest.raises(RuntimeError):
        client.post(reverse("accounts:delete"), {"confirm": "on", "password": PASSWORD})
    assert User.objects.filter(pk=reader.pk).exists()
    assert EmailAddress.objects.filter(user=reader).exists()


def test_staff_mfa_is_removed_with_the_account(client):
    """Authenticators go with the account."""
    staff = StaffUserFactory()
    client.force_login(staff)
    client.post(reverse("accounts:delete"), {"confirm": "on", "password": PASSWORD})
    assert not Authenticator.objects.filter(user_id=staff.pk).exists()


def test_account_without_password_confirms_with_an_emailed_code(client, committed):
    """A reader with no password gets a code by email and deletes with it."""
    user = VerifiedUserFactory(password=None)
    user.set_unusable_password()
    user.save()
    client.force_login(user)
    page = client.get(reverse("accounts:delete")).content.decode()
    assert "Email me a code" in page
    with committed():
        client.post(reverse("accounts:delete"), {"send_code": "1"})
    message = last_mail_to(user.email)
    assert "Broadsheet" in message.body and message.alternatives
    code = message.body.split("deleting your account:")[1].split()[0]
    response = client.post(reverse("accounts:delete"), {"confirm": "on", "code": "0"})
    assert response.context["form"].errors["code"] == [WRONG_CODE]
    client.post(reverse("accounts:delete"), {"confirm": "on", "code": code})
    assert not User.objects.filter(pk=user.pk).exists()


def test_deletion_setting_is_documented_and_defaults_to_placeholder(settings):
    """The comments app reads ACCOUNT_DELETION_COMMENTS; the default keeps threads."""
    assert settings.ACCOUNT_DELETION_COMMENTS == "placeholder"


def test_an_expired_deletion_code_is_refused(client, committed, monkeypatch):
    """A code older than 15 minutes no longer deletes the account."""
    import time

    user = VerifiedUserFactory()
    user.set_unusable_password()
    user.save()
    client.force_login(user)
    with committed():
        client.post(reverse("accounts:delete"), {"send_code": "1"})
    code = last_mail_to(user.email).body.split("deleting your account:")[1].split()[0]
    later = time.time() + 16 * 60
    monkeypatch.setattr(time, "time", lambda: later)
    response = client.post(reverse("accounts:delete"), {"confirm": "on", "code": code})
    assert response.context["form"].errors["code"] == [WRONG_CODE]
    assert User.objects.filter(pk=user.pk).exists()

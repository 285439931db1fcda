"""The demo has a verified reader who can sign in and comment straight away."""

from io import StringIO

import pytest
from allauth.account.models import EmailAddress
from django.core.management import call_command

from accounts.models import User
from accounts.services import user_has_verified_email

pytestmark = pytest.mark.django_db


@pytest.fixture
def run_demo(settings, tmp_path, monkeypatch):
    settings.DEBUG = True
    monkeypatch.setattr(
        "articles.management.commands.demo.LOGINS_FILE", tmp_path / "logins.json"
    )

    def run() -> str:
        out = StringIO()
        call_command("demo", no_serve=True, stdout=out)
        return out.getvalue()

    return run


def test_demo_prints_a_verified_reader_and_is_idempotent(run_demo):
    output = run_demo()
    reader = User.objects.get(email="reader@example.com")
    assert reader.display_name == "Sam Reader"
    assert user_has_verified_email(reader)
    assert "reader@example.com" in output
    assert user_has_verified_email(User.objects.get(email="editor@example.com"))
    counts = (User.objects.count(), EmailAddress.objects.count())
    run_demo()
    assert (User.objects.count(), EmailAddress.objects.count()) == counts

"""The settings page: display name, bio, notify-on-reply and links onwards."""

import pytest
from django.urls import reverse

from accounts.forms import BIO_TOO_LONG
from accounts.names import DISPLAY_NAME_NO_URL, DISPLAY_NAME_REQUIRED
from accounts.views import PROFILE_SAVED
from tests.accounts.factories import VerifiedUserFactory

pytestmark = pytest.mark.django_db

URL = reverse("accounts:settings")


@pytest.fixture
def reader(client):
    user = VerifiedUserFactory(display_name="Sam", bio="", notify_on_reply=True)
    client.force_login(user)
    return user


def test_settings_need_a_signed_in_reader(client):
    """Anonymous visitors are sent to sign in and come back afterwards."""
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert "next=" in response["Location"]


def test_reader_updates_their_profile(client, reader):
    """Saving updates name, bio and the reply preference, with a confirmation."""
    response = client.post(
        URL,
        {
            "display_name": "Sam Reader",
            "bio": "Reads on Sundays.",
            "notify_on_reply": "",
        },
        follow=True,
    )
    assert PROFILE_SAVED in response.content.decode()
    reader.refresh_from_db()
    assert reader.display_name == "Sam Reader"
    assert reader.bio == "Reads on Sundays."
    assert reader.notify_on_reply is False


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"display_name": ""}, "display_name", DISPLAY_NAME_REQUIRED),
        ({"display_name": "see www.spam.test"}, "display_name", DISPLAY_NAME_NO_URL),
        ({"display_name": "Sam", "bio": "b" * 501}, "bio", BIO_TOO_LONG),
    ],
)
def test_bad_input_is_explained_next_to_the_field(client, reader, data, field, message):
    """Each error sits by its field, tied with aria-describedby; the typed text stays
    and nothing is saved."""
    response = client.post(URL, {"bio": "", **data})
    assert response.status_code == 200
    html = response.content.decode()
    assert response.context["form"].errors[field] == [message]
    assert f'id="id_{field}_error"' in html
    assert f'aria-describedby="id_{field}_helptext id_{field}_error"' in html
    assert 'aria-invalid="true"' in html
    if data.get("bio"):
        assert data["bio"] in html
    reader.refresh_from_db()
    assert reader.display_name == "Sam"
    assert reader.bio == ""


def test_settings_link_to_email_password_and_mfa(client, reader):
    """Email, password and two-factor pages are one click away."""
    html = client.get(URL).content.decode()
    for name in ("account_email", "account_change_password", "mfa_index"):
        assert f'href="{reverse(name)}"' in html


def test_profile_updates_are_rate_limited(client, reader, settings):
    """Saving the profile is a write, so it is rate limited."""
    settings.ACCOUNT_RATE_LIMITS = {
        **settings.ACCOUNT_RATE_LIMITS,
        "update_profile": "2/m/user",
    }
    for _ in range(2):
        client.post(URL, {"display_name": "Sam", "bio": ""})
    response = client.post(URL, {"display_name": "Sam", "bio": ""})
    assert response.status_code == 429

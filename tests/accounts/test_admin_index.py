"""The editor's admin index reads as one newsroom's (issue 17): one block per name,
nothing that cannot be used, no "Add" for what readers create, and an icon."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from tests.comments.moderation.helpers import editor, moderator

pytestmark = pytest.mark.django_db


def block_names(html: str) -> list[str]:
    """The captions of the index's app blocks, as a reader of the page sees them."""
    captions = re.findall(r"<caption>\s*<a [^>]*>([^<]+)</a>", html)
    return [caption.strip() for caption in captions]


@pytest.mark.parametrize("who", ["superuser", "moderator", "editor"])
def test_no_two_blocks_share_a_name_and_no_social_block(client, admin_user, who):
    user = {"superuser": admin_user, "moderator": moderator, "editor": editor}[who]
    client.force_login(user if who == "superuser" else user())
    html = client.get(reverse("admin:index")).content.decode()
    names = block_names(html)
    assert names, html
    assert len(names) == len(set(names)), names
    assert "Social accounts" not in names
    if who == "superuser":
        assert "Accounts" in names and "Sign-in email addresses" in names


def test_reports_and_reactions_offer_no_add_link(client, admin_user):
    client.force_login(admin_user)
    html = client.get(reverse("admin:index")).content.decode()
    for model in ("report", "reaction"):
        assert reverse(f"admin:comments_{model}_changelist") in html
        assert reverse(f"admin:comments_{model}_add") not in html
        assert client.get(reverse(f"admin:comments_{model}_add")).status_code == 403


def test_favicon_ico_is_there_and_the_admin_links_an_icon(client, admin_user):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response.url == "/static/img/favicon.ico"
    icon = Path(settings.BASE_DIR, "static", "img", "favicon.ico").read_bytes()
    assert icon[:4] == b"\x00\x00\x01\x00"  # an ICO file, not a page
    client.force_login(admin_user)
    html = client.get(reverse("admin:index")).content.decode()
    assert re.search(r'<link rel="icon" href="/static/img/favicon\.svg"', html)

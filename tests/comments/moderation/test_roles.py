"""Roles: the Moderator and Editor groups from the data migration."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from tests.comments.factories import VerifiedUserFactory
from tests.comments.moderation.helpers import editor, moderator

pytestmark = pytest.mark.django_db


def test_migration_creates_both_groups_with_their_permissions():
    """Moderators moderate; editors edit; neither can touch staff or settings."""
    mod = set(
        Group.objects.get(name="Moderator").permissions.values_list(
            "content_type__app_label", "codename"
        )
    )
    ed = set(
        Group.objects.get(name="Editor").permissions.values_list(
            "content_type__app_label", "codename"
        )
    )
    assert ("comments", "moderate_comments") in mod
    assert ("comments", "change_wordrule") in mod
    assert ("accounts", "change_user") in mod
    assert ("comments", "change_moderationsettings") not in mod
    assert not any(app == "articles" for app, _ in mod)
    assert ("articles", "change_article") in ed
    assert ("newsletter", "change_issue") in ed
    assert ("comments", "moderate_comments") not in ed
    assert ("auth", "change_group") not in mod | ed


def test_moderator_gets_403_on_editors_pages(client, article):
    """A moderator who tries to edit an article, an issue or the settings: 403."""
    from comments.models import ModerationSettings

    ModerationSettings.objects.create(pk=1)
    client.force_login(moderator())
    assert client.get(reverse("admin:comments_moderation")).status_code == 200
    for url in [
        reverse("admin:articles_article_change", args=[article.pk]),
        reverse("admin:articles_article_add"),
        reverse("admin:newsletter_issue_add"),
    ]:
        assert client.get(url).status_code == 403, url
    settings_url = reverse("admin:comments_moderationsettings_change", args=[1])
    assert client.get(settings_url).status_code == 200  # may read them
    assert client.post(settings_url, {"rate_per_minute": 99}).status_code == 403
    assert ModerationSettings.objects.get().rate_per_minute is None


def test_editor_cannot_moderate_but_sees_the_dashboard(client, article):
    client.force_login(editor())
    assert client.get(reverse("admin:comments_moderation")).status_code == 403
    assert client.get(reverse("admin:comments_dashboard")).status_code == 200
    assert (
        client.get(
            reverse("admin:articles_article_change", args=[article.pk])
        ).status_code
        == 200
    )


def test_moderator_cannot_edit_staff_accounts(client):
    """Readers' moderation fields only; a staff account is view-only for them."""
    client.force_login(moderator())
    other_staff = editor()
    reader = VerifiedUserFactory()
    url = reverse("admin:accounts_user_change", args=[other_staff.pk])
    response = client.post(url, {"email": "evil@example.com"})
    assert response.status_code == 403
    other_staff.refresh_from_db()
    assert other_staff.email != "evil@example.com"
    html = client.get(
        reverse("admin:accounts_user_change", args=[reader.pk])
    ).content.decode()
    assert 'name="premoderated"' in html
    assert 'name="is_staff"' not in html and 'name="groups"' not in html


def test_a_forged_id_is_404(client):
    client.force_login(moderator())
    url = reverse("admin:comments_moderation_decide", args=[999999])
    assert client.post(url, {"action": "approve"}).status_code == 404


def test_readers_and_anonymous_never_reach_the_queue(client):
    url = reverse("admin:comments_moderation")
    assert client.get(url).status_code == 302
    client.force_login(VerifiedUserFactory())
    assert client.get(url).status_code in (302, 403)

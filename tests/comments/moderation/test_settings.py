"""Moderation settings in the admin, and word rules."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from comments import conf, services
from comments.models import ModerationSettings, WordRule
from tests.accounts.factories import StaffUserFactory
from tests.comments.factories import VerifiedUserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def chief(client):
    """A staff member allowed to change the moderation settings."""
    user = StaffUserFactory(is_superuser=False)
    user.user_permissions.add(
        *Permission.objects.filter(
            codename__in=["view_moderationsettings", "change_moderationsettings"]
        )
    )
    client.force_login(user)
    return user


def test_settings_page_explains_each_setting_with_its_default(client, chief, settings):
    settings.COMMENTS_RATE_PER_MINUTE = 7
    response = client.get(reverse("admin:comments_moderationsettings_changelist"))
    assert response.status_code == 302
    html = client.get(response.url).content.decode()
    assert "More than this in one minute is refused" in html
    assert "Leave empty for the deployment's value: 7." in html


def test_staff_without_the_settings_permission_are_refused_at_the_list(client):
    """The list redirects to the one settings row only for those who may see it:
    others get the admin's refusal, and nothing is created on their visit."""
    client.force_login(StaffUserFactory(is_superuser=False))
    response = client.get(reverse("admin:comments_moderationsettings_changelist"))
    assert response.status_code == 403
    assert not ModerationSettings.objects.exists()


def test_saved_settings_apply_at_once_without_a_deploy(
    client, chief, article, settings, django_capture_on_commit_callbacks
):
    """Holding on links: the deployment says 2; the admin says 0."""
    settings.COMMENTS_HOLD_FIRST_APPROVED = 0
    reader = VerifiedUserFactory()
    body = "See https://a.example"
    assert services.comment_create(
        article=article, author=reader, body=body
    ).status == ("approved")
    url = reverse("admin:comments_moderationsettings_change", args=[1])
    ModerationSettings.objects.get_or_create(pk=1)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url, {"hold_links_over": 0, "default_discussion_mode": ""}
        )
    assert response.status_code == 302
    assert conf.hold_links_over() == 0
    held = services.comment_create(
        article=article, author=reader, body="Now https://b.example"
    )
    assert held.status == "pending" and held.hold_rule == "links"
    # Emptying the field goes back to the deployment's value.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"hold_links_over": "", "default_discussion_mode": ""})
    assert conf.hold_links_over() == 2


def test_new_articles_start_with_the_default_mode_and_close_date(
    admin_client, settings
):
    ModerationSettings.objects.create(
        pk=1, default_discussion_mode="premoderated", auto_close_days=5
    )
    conf.settings_changed()
    html = admin_client.get(reverse("admin:articles_article_add")).content.decode()
    assert '<option value="premoderated" selected>' in html


def test_word_rules_ignore_case_and_accents(article, settings):
    settings.COMMENTS_HOLD_FIRST_APPROVED = 0
    WordRule.objects.create(phrase="cafe crook", action="hold")
    WordRule.objects.create(phrase="scam", action="reject", match="phrase")
    reader = VerifiedUserFactory()
    held = services.comment_create(
        article=article, author=reader, body="He is a CAFÉ   Crook!"
    )
    assert held.status == "pending" and held.hold_rule.startswith("word-rule:")
    fine = services.comment_create(article=article, author=reader, body="Crookery.")
    assert fine.status == "approved"
    with pytest.raises(services.CommentError) as refused:
        services.comment_create(article=article, author=reader, body="A SCÄMMER")
    assert refused.value.message == services.WORD_REJECTED


def test_settings_are_read_from_memory_until_they_change(django_assert_num_queries):
    """No query per request: the row is read once, again only after a save."""
    conf.settings_changed()
    conf.report_threshold()
    with django_assert_num_queries(0):
        assert conf.report_threshold() == 3
    ModerationSettings.objects.create(pk=1, report_threshold=5)
    conf.settings_changed()
    with django_assert_num_queries(1):
        assert conf.report_threshold() == 5
    with django_assert_num_queries(0):
        assert conf.report_threshold() == 5

"""People: suspensions, pre-moderation and trust, each logged on the reader."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from comments import services
from comments.models import Comment, ModerationDecision
from tests.comments.factories import VerifiedUserFactory
from tests.comments.moderation.helpers import moderator

pytestmark = pytest.mark.django_db


def change_url(user):
    return reverse("admin:accounts_user_change", args=[user.pk])


def form_data(reader, **changes):
    data = {
        "trusted": "on" if reader.trusted else "",
        "premoderated": "on" if reader.premoderated else "",
        "commenting_suspended_until_0": "",
        "commenting_suspended_until_1": "",
        "suspension_reason": "",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v != ""}


def test_suspension_without_an_end_is_refused_with_a_clear_message(
    client, mod, article
):
    reader = VerifiedUserFactory()
    response = client.post(
        change_url(reader), form_data(reader, suspension_reason="Insults.")
    )
    assert response.status_code == 200
    assert services.SUSPEND_NEEDS_END in response.content.decode()
    assert 'value="Insults."' in response.content.decode()  # kept what was typed
    reader.refresh_from_db()
    assert not reader.is_commenting_suspended()


def test_suspension_takes_effect_on_the_next_post_and_says_until_when(
    client, mod, article
):
    reader = VerifiedUserFactory(trusted=True)
    until = timezone.localtime() + datetime.timedelta(days=7)
    response = client.post(
        change_url(reader),
        form_data(
            reader,
            commenting_suspended_until_0=until.strftime("%Y-%m-%d"),
            commenting_suspended_until_1=until.strftime("%H:%M:%S"),
            suspension_reason="Repeated insults.",
        ),
    )
    assert response.status_code == 302
    reader.refresh_from_db()
    assert reader.is_commenting_suspended()
    with pytest.raises(services.CommentError) as refused:
        services.comment_create(article=article, author=reader, body="Again!")
    assert refused.value.message.startswith("Your commenting is suspended until ")
    assert "Reason: Repeated insults." in refused.value.message
    decision = ModerationDecision.objects.get(outcome="suspended")
    assert decision.moderator == mod and decision.author == reader
    # The discussion tells them before they write.
    client.force_login(reader)
    html = client.get(article.get_absolute_url()).content.decode()
    assert "Your commenting is suspended until" in html


def test_permanent_suspension_and_lifting_it(client, mod, article):
    reader = VerifiedUserFactory(trusted=True)
    client.post(
        change_url(reader),
        form_data(
            reader, commenting_suspended_forever="on", suspension_reason="Spam bot."
        ),
    )
    reader.refresh_from_db()
    assert reader.commenting_suspended_forever
    with pytest.raises(services.CommentError) as refused:
        services.comment_create(article=article, author=reader, body="Hello")
    assert refused.value.message.startswith(services.SUSPENDED_FOREVER)
    client.post(change_url(reader), form_data(reader))
    reader.refresh_from_db()
    assert not reader.is_commenting_suspended()
    assert ModerationDecision.objects.filter(outcome="unsuspended").exists()


def test_premoderation_and_trust_take_effect_on_the_next_post(client, mod, article):
    reader = VerifiedUserFactory(trusted=True)
    client.post(change_url(reader), form_data(reader, trusted="", premoderated="on"))
    reader.refresh_from_db()
    assert reader.premoderated and not reader.trusted
    services.comment_create(
        article=article, author=VerifiedUserFactory(trusted=True), body="x"
    )
    Comment.objects.create(
        article=article, author=reader, body="Old.", status="approved"
    )
    comment = services.comment_create(article=article, author=reader, body="New.")
    assert comment.status == "pending" and comment.hold_reason == services.HOLD_AUTHOR
    client.post(change_url(reader), form_data(reader, trusted="on", premoderated=""))
    reader.refresh_from_db()
    comment = services.comment_create(article=article, author=reader, body="Newer.")
    assert comment.status == "approved"
    outcomes = list(
        ModerationDecision.objects.filter(author=reader, moderator=mod)
        .order_by("created", "pk")
        .values_list("outcome", flat=True)
    )
    assert sorted(outcomes) == sorted(
        ["untrusted", "premoderated", "trusted", "unpremoderated"]
    )


def test_the_readers_record_shows_every_decision(client, mod, article):
    reader = VerifiedUserFactory()
    comment = services.comment_create(article=article, author=reader, body="Hm.")
    services.comment_reject(comment=comment, moderator=mod, reason="abuse")
    services.reader_set_premoderated(reader=reader, moderator=mod, on=True)
    html = client.get(change_url(reader)).content.decode()
    assert "Moderation record" in html
    assert "Put in pre-moderation" in html and "Abusive" in html
    assert "pending → rejected" in html and "Mo Derator" in html


def test_audit_trail_filters_by_moderator_and_reader(client, mod, article):
    other_mod = moderator(display_name="Other")
    first, second = VerifiedUserFactory(), VerifiedUserFactory()
    services.reader_set_trusted(reader=first, moderator=mod, on=True)
    services.reader_set_trusted(reader=second, moderator=other_mod, on=True)
    url = reverse("admin:comments_moderationdecision_changelist")
    html = client.get(url, {"moderator__id__exact": mod.pk}).content.decode()
    assert first.email in html and second.email not in html
    html = client.get(url, {"author__id__exact": second.pk}).content.decode()
    assert second.email in html and first.email not in html
    decision = ModerationDecision.objects.first()
    response = client.post(
        reverse("admin:comments_moderationdecision_delete", args=[decision.pk]),
        {"post": "yes"},
    )
    assert response.status_code == 403

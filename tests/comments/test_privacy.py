"""Download my data and delete my account: the discussion's part."""

import pytest

from accounts import privacy
from comments import services
from comments.models import Comment, ModerationDecision, Reaction, Report
from tests.comments.factories import VerifiedUserFactory
from tests.comments.helpers import erase

pytestmark = pytest.mark.django_db


@pytest.fixture
def thread(article):
    leaver = VerifiedUserFactory(trusted=True)
    other = VerifiedUserFactory(trusted=True)
    with_reply = services.comment_create(
        article=article, author=leaver, body="Has a reply."
    )
    reply = services.comment_create(
        article=article, author=other, body="The reply.", parent=with_reply
    )
    alone = services.comment_create(article=article, author=leaver, body="Alone.")
    theirs = services.comment_create(article=article, author=other, body="Theirs.")
    services.reaction_toggle(comment=theirs, user=leaver)
    services.report_create(comment=theirs, user=leaver, reason="spam")
    return leaver, other, with_reply, reply, alone, theirs


def test_exporters_are_registered(thread):
    leaver = thread[0]
    exported = {name: func(leaver) for name, func in privacy.exporters().items()}
    assert {c["body"] for c in exported["comments"]} == {"Has a reply.", "Alone."}
    assert len(exported["reactions"]) == 1 and len(exported["reports"]) == 1


def test_placeholder_mode_keeps_threads_and_fixes_counts(article, thread, client):
    leaver, other, with_reply, reply, alone, theirs = thread
    leaver_pk = leaver.pk
    erase(leaver)
    with_reply.refresh_from_db()
    assert with_reply.status == "deleted" and with_reply.author is None
    assert with_reply.body == ""
    assert not Comment.objects.filter(pk=alone.pk).exists()
    theirs.refresh_from_db()
    assert theirs.reaction_count == 0
    assert not Reaction.objects.exists() and not Report.objects.exists()
    assert not ModerationDecision.objects.filter(author_id=leaver_pk).exists()
    article.refresh_from_db()
    assert article.comment_count == 2  # the reply and "Theirs."
    html = client.get(article.get_absolute_url()).content.decode()
    assert "[deleted]" in html and "The reply." in html and "Alone." not in html


def test_remove_mode_deletes_all_and_moves_replies_up(article, thread, settings):
    settings.ACCOUNT_DELETION_COMMENTS = "remove"
    leaver, other, with_reply, reply, alone, theirs = thread
    leaver_pk = leaver.pk
    erase(leaver)
    assert not Comment.objects.filter(author_id=leaver_pk).exists()
    assert not Comment.objects.filter(pk__in=[with_reply.pk, alone.pk]).exists()
    reply.refresh_from_db()
    assert (reply.parent_id, reply.root_id, reply.depth) == (None, None, 1)
    article.refresh_from_db()
    assert article.comment_count == 2


def test_erasure_keeps_reply_counts_right_when_own_replies_go_first(article, client):
    """The leaver's comment has their own reply and a held reply by someone else:
    after erasure no empty "[deleted]" is left standing, and the counts are right."""
    leaver = VerifiedUserFactory(trusted=True)
    newcomer = VerifiedUserFactory()  # first comment: held for review
    top = services.comment_create(article=article, author=leaver, body="Top.")
    services.comment_create(article=article, author=leaver, body="Mine.", parent=top)
    held = services.comment_create(
        article=article, author=newcomer, body="Held.", parent=top
    )
    assert held.status == "pending"
    erase(leaver)
    remaining = Comment.objects.filter(pk=top.pk).first()
    assert remaining is None or remaining.reply_count == 0
    html = client.get(article.get_absolute_url()).content.decode()
    assert "[deleted]" not in html

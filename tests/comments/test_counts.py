"""Denormalized counts stay right through every change."""

import pytest

from comments import services
from comments.models import Comment
from tests.comments.factories import CommentFactory, VerifiedUserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def readers(db):
    return [VerifiedUserFactory(trusted=True) for _ in range(4)]


def counts(article, *comments):
    article.refresh_from_db()
    for comment in comments:
        comment.refresh_from_db()
    return article.comment_count, [c.reply_count for c in comments]


def test_approve_and_reject_move_the_article_count(article):
    held = services.comment_create(
        article=article, author=VerifiedUserFactory(), body="First words."
    )
    assert counts(article)[0] == 0
    services.comment_approve(comment=held)
    assert counts(article)[0] == 1
    services.comment_reject(comment=held, reason="off-topic")
    assert counts(article)[0] == 0
    services.comment_reject(comment=held, reason="off-topic")  # twice: no change
    assert counts(article)[0] == 0


def test_reply_counts_follow_approval(article, readers):
    top = services.comment_create(article=article, author=readers[0], body="Top.")
    reply = services.comment_create(
        article=article, author=readers[1], body="Reply.", parent=top
    )
    assert counts(article, top) == (2, [1])
    services.comment_mark_spam(comment=reply)
    assert counts(article, top) == (1, [0])


def test_delete_with_replies_leaves_a_placeholder(article, readers, client):
    """Deleting a comment with replies keeps a '[deleted]' placeholder in the thread."""
    top = services.comment_create(article=article, author=readers[0], body="Top.")
    services.comment_create(
        article=article, author=readers[1], body="A reply.", parent=top
    )
    services.comment_delete(comment=top, user=readers[0])
    top.refresh_from_db()
    assert top.status == Comment.Status.DELETED and top.body == ""
    assert counts(article, top) == (1, [1])
    html = client.get(article.get_absolute_url()).content.decode()
    assert "This comment was deleted." in html and "A reply." in html


def test_delete_of_last_reply_hides_the_placeholder_above(article, readers, client):
    top = services.comment_create(article=article, author=readers[0], body="Top.")
    reply = services.comment_create(
        article=article, author=readers[1], body="A reply.", parent=top
    )
    services.comment_delete(comment=top, user=readers[0])
    services.comment_delete(comment=reply, user=readers[1])
    assert counts(article, top) == (0, [0])
    html = client.get(article.get_absolute_url()).content.decode()
    assert "This comment was deleted." not in html


def test_reports_from_three_readers_hide_the_comment(article, readers, settings):
    """Past the threshold the comment is hidden pending review; counts follow."""
    settings.COMMENTS_REPORT_THRESHOLD = 3
    comment = services.comment_create(
        article=article, author=readers[0], body="Contested."
    )
    for reader in readers[1:3]:
        services.report_create(comment=comment, user=reader, reason="abuse")
    assert counts(article, comment)[0] == 1
    services.report_create(comment=comment, user=readers[3], reason="spam")
    comment.refresh_from_db()
    assert comment.status == Comment.Status.PENDING
    assert comment.hold_reason == services.HOLD_REPORTED
    assert counts(article)[0] == 0
    services.comment_approve(comment=comment)  # the moderator disagrees
    assert counts(article)[0] == 1
    assert not comment.reports.filter(resolved=False).exists()


def test_report_twice_is_refused_and_counts_once(article, readers):
    comment = services.comment_create(article=article, author=readers[0], body="Hm.")
    services.report_create(comment=comment, user=readers[1], reason="spam")
    with pytest.raises(services.CommentError) as excinfo:
        services.report_create(comment=comment, user=readers[1], reason="abuse")
    assert excinfo.value.message == services.REPORT_TWICE
    assert comment.reports.count() == 1


def test_recommend_toggles_and_counts(article, readers):
    comment = services.comment_create(article=article, author=readers[0], body="Yes.")
    assert services.reaction_toggle(comment=comment, user=readers[1]) is True
    services.reaction_toggle(comment=comment, user=readers[2])
    comment.refresh_from_db()
    assert comment.reaction_count == 2
    assert services.reaction_toggle(comment=comment, user=readers[1]) is False
    comment.refresh_from_db()
    assert comment.reaction_count == 1


def test_cannot_recommend_or_report_own_comment(article, readers):
    comment = services.comment_create(article=article, author=readers[0], body="Me.")
    with pytest.raises(services.CommentError) as excinfo:
        services.reaction_toggle(comment=comment, user=readers[0])
    assert excinfo.value.message == services.RECOMMEND_OWN
    with pytest.raises(services.CommentError) as excinfo:
        services.report_create(comment=comment, user=readers[0], reason="spam")
    assert excinfo.value.message == services.REPORT_OWN
    comment.refresh_from_db()
    assert comment.reaction_count == 0


def test_edit_that_adds_links_holds_an_approved_comment(article, readers, settings):
    settings.COMMENTS_HOLD_LINKS_OVER = 0
    author = VerifiedUserFactory()
    CommentFactory(author=author)
    comment = services.comment_create(article=article, author=author, body="Plain.")
    assert counts(article)[0] == 1
    services.comment_edit(comment=comment, user=author, body="See https://x.example")
    comment.refresh_from_db()
    assert comment.status == "pending" and comment.edited_at is not None
    assert counts(article)[0] == 0


def test_cache_version_bumps_after_a_published_comment(
    article, readers, django_capture_on_commit_callbacks
):
    """The article's cached page is refreshed once the comment is committed."""
    from articles.cache import article_version_key, get_versions

    key = article_version_key(article.pk)
    before = get_versions(key)[key]
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_create(article=article, author=readers[0], body="News.")
    assert get_versions(key)[key] != before


def test_removed_comment_keeps_its_text_and_a_placeholder_for_replies(
    article, readers, client
):
    top = services.comment_create(article=article, author=readers[0], body="Nasty.")
    services.comment_create(
        article=article, author=readers[1], body="Calm reply.", parent=top
    )
    services.comment_remove(comment=top)
    top.refresh_from_db()
    assert top.status == "removed" and top.body == "Nasty."
    assert counts(article, top) == (1, [1])
    html = client.get(article.get_absolute_url()).content.decode()
    assert "This comment was removed by a moderator." in html
    assert "Nasty." not in html and "Calm reply." in html

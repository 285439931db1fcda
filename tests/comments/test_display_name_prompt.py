"""A reader who skipped the display name at sign-up is asked for one, inline, on
their first comment, answer or question: an optional field (left empty, they post
as "A reader"), checked by the settings page's rules, saved with the post."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.names import DISPLAY_NAME_NO_URL, DISPLAY_NAME_TOO_SHORT
from comments.models import Comment
from comments.questions import services as qs
from comments.questions.models import ReaderQuestion
from tests.comments.factories import CommentFactory, VerifiedUserFactory
from tests.comments.helpers import post_url
from tests.comments.questions.factories import ReaderQuestionFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
HELP = "You have no display name yet, so your comment would show as “A reader”."
FIELD = 'name="display_name" id="display-name-new"'


@pytest.fixture
def nameless(db):
    """A verified reader without a display name, past the first-comment hold."""
    user = VerifiedUserFactory(display_name="")
    CommentFactory(author=user, created=timezone.now() - datetime.timedelta(days=3))
    return user


def test_only_a_reader_without_a_name_is_asked_for_one(client, article, nameless):
    client.force_login(nameless)
    html = client.get(article.get_absolute_url()).content.decode()
    assert FIELD in html and HELP in html
    assert '<label for="display-name-new">Display name (optional)</label>' in html
    client.force_login(VerifiedUserFactory(display_name="Nina Named"))
    html = client.get(article.get_absolute_url()).content.decode()
    assert 'name="display_name"' not in html


def test_the_chosen_name_is_saved_and_shown_with_the_comment(client, article, nameless):
    client.force_login(nameless)
    response = client.post(
        post_url(article),
        {"body": "My first word here.", "display_name": "  Dana   Debut "},
        follow=True,
    )
    html = response.content.decode()
    nameless.refresh_from_db()
    assert nameless.display_name == "Dana Debut"
    comment = Comment.objects.get(body="My first word here.")
    card = html[html.index(f'<li id="comment-{comment.pk}">') :]
    assert card.startswith(f'<li id="comment-{comment.pk}"><article')
    assert "<b>Dana Debut</b>" in card[: card.index("</header>")]
    assert FIELD not in html  # asked once: now they have a name


def test_left_empty_the_reader_posts_as_a_reader_and_is_asked_again(
    client, article, nameless
):
    client.force_login(nameless)
    response = client.post(
        post_url(article), {"body": "No name for now.", "display_name": ""}, follow=True
    )
    html = response.content.decode()
    comment = Comment.objects.get(body="No name for now.")
    card = html[html.index(f'<li id="comment-{comment.pk}">') :]
    assert "<b>A reader</b>" in card[: card.index("</header>")]
    assert FIELD in html
    nameless.refresh_from_db()
    assert nameless.display_name == ""


@pytest.mark.parametrize(
    ("name", "message"),
    [("x", DISPLAY_NAME_TOO_SHORT), ("www.cheap-pills.example", DISPLAY_NAME_NO_URL)],
)
def test_a_name_that_breaks_a_rule_keeps_the_draft_and_posts_nothing(
    client, article, nameless, name, message
):
    client.force_login(nameless)
    data = {"body": "A draft worth keeping.", "display_name": name}
    response = client.post(post_url(article), data)
    html = response.content.decode().replace("&#x27;", "'")
    assert response.status_code == 400
    assert f'<p class="error" id="display-name-error-new">{message}</p>' in html
    assert 'aria-describedby="display-name-help-new display-name-error-new"' in html
    assert 'aria-invalid="true"' in html
    assert f'value="{name}"' in html and "A draft worth keeping.</textarea>" in html
    assert not Comment.objects.filter(body="A draft worth keeping.").exists()
    nameless.refresh_from_db()
    assert nameless.display_name == ""
    # The same with htmx: the form comes back in place with the message.
    fragment = client.post(post_url(article), data, **HTMX).content.decode()
    assert message in fragment.replace("&#x27;", "'")
    assert "A draft worth keeping.</textarea>" in fragment


def test_a_reader_with_a_name_cannot_change_it_through_the_comment_form(
    client, article
):
    reader = VerifiedUserFactory(display_name="Nina Named")
    CommentFactory(author=reader, created=timezone.now() - datetime.timedelta(days=3))
    client.force_login(reader)
    client.post(post_url(article), {"body": "Hello.", "display_name": "Someone Else"})
    reader.refresh_from_db()
    assert reader.display_name == "Nina Named"
    assert Comment.objects.filter(body="Hello.").exists()


def test_the_reply_email_already_carries_the_new_name(
    client, article, nameless, django_capture_on_commit_callbacks
):
    """The name is saved before the comment, so the notification uses it."""
    parent = CommentFactory(
        article=article, author=VerifiedUserFactory(notify_on_reply=True)
    )
    client.force_login(nameless)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            post_url(article),
            {"body": "A reply.", "parent": parent.pk, "display_name": "Remy Reply"},
        )
    (message,) = [m for m in mail.outbox if parent.author.email in m.to]
    assert "Remy Reply replied to your comment" in message.subject


def test_first_answer_and_first_question_ask_for_a_name_too(client, article, nameless):
    question = qs.question_feature(question=ReaderQuestionFactory(article=article))
    client.force_login(nameless)
    html = client.get(article.get_absolute_url()).content.decode()
    assert 'id="display-name-answer"' in html and 'id="display-name-question"' in html
    assert "so your answer would show as" in html
    assert "so your question would show as" in html

    response = client.post(
        reverse("comments:question_ask"),
        {"text": "Who pays for all this?", "display_name": "w"},
    )
    assert response.status_code == 400
    assert DISPLAY_NAME_TOO_SHORT.replace("'", "&#x27;") in response.content.decode()
    assert not ReaderQuestion.objects.filter(text="Who pays for all this?").exists()

    client.post(
        reverse("comments:question_answer", args=[question.pk]),
        {"body": "An answer.", "display_name": "Ann Answer"},
    )
    nameless.refresh_from_db()
    assert nameless.display_name == "Ann Answer"
    assert question.answers.get().body == "An answer."

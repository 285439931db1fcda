"""Reader questions on the site: the slot, asking, answering, the answers pages."""

import json
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from articles.cache import article_version_key, get_versions
from comments import services
from comments.models import Comment
from comments.questions import services as qs
from comments.questions import views
from comments.questions.models import ReaderQuestion
from tests.accounts.factories import UserFactory
from tests.articles.factories import ArticleFactory, SectionFactory
from tests.comments.factories import CommentFactory, VerifiedUserFactory
from tests.comments.helpers import drawn_afresh, html_of
from tests.comments.questions.factories import ReaderQuestionFactory

pytestmark = pytest.mark.django_db

ASK = reverse("comments:question_ask")
MINE = reverse("comments:questions_mine")
ANSWERED = reverse("comments:questions_answered")


@pytest.fixture
def featured(article):
    author = VerifiedUserFactory(display_name="Ines Asker")
    question = ReaderQuestionFactory(
        article=article, author=author, text="Will the UN send peacekeepers?"
    )
    return qs.question_feature(question=question)


# --- The slot on the article page -----------------------------------------------


def test_anonymous_slot_shows_the_question_and_a_sign_in_link(client, featured):
    """The cached anonymous page: question, asker, invitation, no form, no cookie."""
    response = client.get(featured.article.get_absolute_url())
    html = html_of(response)
    slot = html[html.index('id="reader-question"') :]
    assert "Will the UN send peacekeepers?" in slot
    assert "Asked by Ines Asker" in slot
    assert "Answer in the discussion" in slot
    assert reverse("account_login") + "?next=" in slot
    # "Answers to the reader question" is the discussion, filtered.
    filtered = f"{featured.article.get_absolute_url()}?cfilter=answers#discussion"
    assert f'href="{filtered}"' in slot
    assert "csrfmiddlewaretoken" not in html
    assert not response.cookies


def test_anonymous_question_is_attributed_to_a_reader(client, featured):
    """A reader who chose to stay anonymous is shown as "a reader", never by name."""
    ReaderQuestion.objects.filter(pk=featured.pk).update(is_anonymous=True)
    html = html_of(client.get(featured.article.get_absolute_url()))
    assert "Asked by a reader" in html
    assert "Ines Asker" not in html


def test_slot_falls_back_to_the_articles_printed_question(client):
    article = ArticleFactory(reader_question="Who will pay for reconstruction?")
    html = html_of(client.get(article.get_absolute_url()))
    assert "Who will pay for reconstruction?" in html
    assert "Answer in the discussion" not in html


def test_verified_reader_gets_the_answer_and_ask_forms(client, featured, reader):
    client.force_login(reader)
    html = html_of(client.get(featured.article.get_absolute_url()))
    assert f'action="{reverse("comments:question_answer", args=[featured.pk])}"' in html
    assert f'action="{ASK}"' in html
    assert 'name="anonymous"' in html


def test_answer_from_the_slot_is_marked_and_listed_as_an_answer(
    client, featured, reader, settings_no_first_hold
):
    """A comment posted from the slot is an answer; the filter lists only answers."""
    CommentFactory(article=featured.article, body="Just a comment, not an answer.")
    client.force_login(reader)
    url = reverse("comments:question_answer", args=[featured.pk])
    response = client.post(url, {"body": "Peacekeepers need a *mandate* first."})
    comment = Comment.objects.get(body__startswith="Peacekeepers")
    assert response.status_code == 302 and response.url.endswith(
        f"#comment-{comment.pk}"
    )
    assert list(featured.answers.all()) == [comment]
    answers = reverse("comments:question_answers", args=[featured.article_id])
    html = html_of(client.get(answers))
    assert "Answers to the reader question" in html
    assert "<em>mandate</em>" in html
    assert "Just a comment" not in html


def test_answer_errors_keep_the_draft_next_to_the_message(
    client, featured, reader, settings
):
    settings.COMMENTS_MAX_LENGTH = 10
    client.force_login(reader)
    url = reverse("comments:question_answer", args=[featured.pk])
    response = client.post(url, {"body": "Far too long for ten."})
    html = response.content.decode()
    assert response.status_code == 400
    assert "Far too long for ten." in html
    assert 'aria-invalid="true"' in html and "Keep it to 10 characters" in html
    assert not featured.answers.exists()


def test_answer_permissions(client, featured, article):
    """Anonymous readers sign in first; unfeatured questions take no answers."""
    url = reverse("comments:question_answer", args=[featured.pk])
    response = client.post(url, {"body": "Hello"})
    assert response.status_code == 302 and reverse("account_login") in response.url
    client.force_login(UserFactory())
    response = client.post(url, {"body": "An unverified answer."})
    assert response.status_code == 400
    assert services.NOT_VERIFIED in response.content.decode()
    other = ReaderQuestionFactory(article=article)
    response = client.post(
        reverse("comments:question_answer", args=[other.pk]), {"body": "x"}
    )
    assert response.status_code == 404


def test_answers_page_query_count_does_not_grow(
    client, featured, django_assert_max_num_queries
):
    def count(n):
        for _ in range(n):
            featured.answers.add(CommentFactory(article=featured.article))
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            html_of(
                client.get(
                    reverse("comments:question_answers", args=[featured.article_id])
                )
            )
        return len(ctx.captured_queries)

    assert count(2) == count(40) <= 6


def test_article_page_adds_one_query_for_the_slot_at_any_size(
    client, featured, django_assert_max_num_queries
):
    """The slot costs one query whether or not the article has a question."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries(article):
        drawn_afresh()
        with CaptureQueriesContext(connection) as ctx:
            html_of(client.get(article.get_absolute_url()))
        return len(ctx.captured_queries)

    for _ in range(5):
        ReaderQuestionFactory(article=featured.article)
    assert queries(featured.article) == queries(ArticleFactory())


# --- Asking ------------------------------------------------------------------------


def test_ask_requires_sign_in_and_a_verified_email(client, article):
    response = client.get(ASK)
    assert response.status_code == 302 and reverse("account_login") in response.url
    client.force_login(UserFactory())
    response = client.post(ASK, {"text": "Why is this happening?"})
    assert response.status_code == 403
    assert "Confirm your email address" in response.content.decode()
    assert not ReaderQuestion.objects.exists()


def test_ask_from_an_article_is_received_and_listed_with_its_status(
    client, article, reader
):
    client.force_login(reader)
    html = html_of(client.get(ASK, {"article": article.pk}))
    assert article.title in html
    response = client.post(
        ASK,
        {
            "text": "Why was Miami chosen?",
            "article": article.pk,
            "about_article": "on",
            "anonymous": "on",
        },
        follow=True,
    )
    html = html_of(response)
    question = ReaderQuestion.objects.get()
    assert question.article == article and question.is_anonymous
    assert views.QUESTION_RECEIVED in html
    assert "Why was Miami chosen?" in html and "Awaiting review" in html


def test_unticking_the_article_sends_a_general_question(client, article, reader):
    client.force_login(reader)
    client.post(ASK, {"text": "Why was Miami chosen?", "article": article.pk})
    assert ReaderQuestion.objects.get().article is None


def test_a_bad_question_keeps_the_draft_next_to_a_clear_message(client, reader):
    client.force_login(reader)
    response = client.post(ASK, {"text": "Tell me about the UN."})
    html = response.content.decode()
    assert response.status_code == 400
    assert qs.NOT_A_QUESTION.replace("'", "&#x27;") in html
    assert "Tell me about the UN.</textarea>" in html
    assert 'aria-invalid="true"' in html and "question-text-error" in html


def test_asking_about_a_draft_or_forged_article_is_not_found(client, reader):
    client.force_login(reader)
    draft = ArticleFactory(status="draft", published_at=None)
    for article_id in (draft.pk, 999999, "x"):
        response = client.post(ASK, {"text": "Why now?", "article": article_id})
        assert response.status_code == 404
    assert not ReaderQuestion.objects.exists()


def test_readers_see_only_their_own_questions(client, reader):
    ReaderQuestionFactory(text="Somebody else's question?")
    ReaderQuestionFactory(author=reader, text="My own question?", status="pending")
    client.force_login(reader)
    html = html_of(client.get(MINE))
    assert "My own question?" in html and "Awaiting review" in html
    assert "Somebody else" not in html


def test_profile_include_shows_questions_to_their_asker_only(rf, reader):
    from django.template.loader import render_to_string

    ReaderQuestionFactory(author=reader, text="My own question?", status="pending")
    request = rf.get("/")
    request.user = reader
    html = render_to_string(
        "comments/_profile_questions.html",
        {"profile_user": reader, "request": request},
    )
    assert "My own question?" in html and "Awaiting review" in html
    request.user = UserFactory()
    html = render_to_string(
        "comments/_profile_questions.html",
        {"profile_user": reader, "request": request},
    )
    assert "My own question?" not in html


# --- Promotion on the page, and the answered-questions page ---------------------


def test_promotion_updates_the_faq_json_ld_and_the_page_version(
    client, featured, staff_user, django_capture_on_commit_callbacks
):
    """The FAQ block and its FAQPage JSON-LD show the answer at once."""
    article = featured.article
    key = article_version_key(article.pk)
    before = get_versions(key)[key]
    featured.answer = "Peacekeepers need a Security Council mandate."
    featured.save()
    with django_capture_on_commit_callbacks(execute=True):
        item = qs.question_promote(question=featured, editor=staff_user)
    assert get_versions(key)[key] != before
    html = html_of(client.get(article.get_absolute_url()))
    assert f'id="faq-{item.pk}"' in html
    blocks = re.findall(
        r'<script type="application/ld\+json">(.*?)</script>', html, re.S
    )
    data = [d for block in blocks for d in json.loads(block)]
    faq = next(d for d in data if d["@type"] == "FAQPage")
    assert {
        "@type": "Question",
        "name": "Will the UN send peacekeepers?",
        "acceptedAnswer": {
            "@type": "Answer",
            "text": "Peacekeepers need a Security Council mandate.",
        },
    } in faq["mainEntity"]
    assert f'href="#faq-{item.pk}"' in html  # the slot links to the answer


def test_answered_page_lists_promoted_questions_newest_first_by_section(
    client, staff_user
):
    politics = SectionFactory(name="Politics", slug="politics")
    economy = SectionFactory(name="Economy", slug="economy")
    older = ReaderQuestionFactory(
        article=ArticleFactory(section=politics), text="Older answered?", answer="A."
    )
    newer = ReaderQuestionFactory(
        article=ArticleFactory(section=economy), text="Newer answered?", answer="B."
    )
    ReaderQuestionFactory(text="Approved but unanswered?")
    for question in (older, newer):
        qs.question_promote(question=question, editor=staff_user)
    newer.refresh_from_db()
    html = html_of(client.get(ANSWERED))
    assert html.index("Newer answered?") < html.index("Older answered?")
    assert "unanswered" not in html
    assert f'href="{newer.article.get_absolute_url()}#faq-{newer.faq_item_id}"' in html
    html = html_of(client.get(ANSWERED, {"section": "politics"}))
    assert "Older answered?" in html and "Newer answered?" not in html
    assert client.get(ANSWERED, {"section": "nope"}).status_code == 404


def test_answered_page_query_count_does_not_grow(client, staff_user):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count(n):
        for _ in range(n):
            question = ReaderQuestionFactory(answer="Yes.")
            qs.question_promote(question=question, editor=staff_user)
        with CaptureQueriesContext(connection) as ctx:
            html_of(client.get(ANSWERED))
        return len(ctx.captured_queries)

    assert count(2) == count(15) <= 5


def test_ask_with_htmx_answers_in_place(client, article, reader):
    """With htmx the slot's form is replaced by the notice, or by itself with errors."""
    client.force_login(reader)
    headers = {"HX-Request": "true"}
    response = client.post(ASK, {"text": "Not a question."}, headers=headers)
    html = html_of(response)
    assert 'id="question-form-wrap"' in html and "<html" not in html
    assert 'aria-invalid="true"' in html
    response = client.post(
        ASK,
        {"text": "Who pays?" + " " * 2 + "Really, who?", "article": article.pk},
        headers=headers,
    )
    html = html_of(response)
    assert views.QUESTION_RECEIVED_INLINE in html and "<html" not in html
    assert ReaderQuestion.objects.get().text == "Who pays? Really, who?"


def test_your_questions_page_query_count_does_not_grow(client, reader):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(reader)

    def count(n):
        for _ in range(n):
            ReaderQuestionFactory(author=reader)
        with CaptureQueriesContext(connection) as ctx:
            html_of(client.get(MINE))
        return len(ctx.captured_queries)

    assert count(1) == count(15) <= 5


def test_a_suspended_reader_is_told_on_the_ask_page_not_given_a_form(client):
    """The ask page asks the one rule of taking part (comments/rules.py)."""
    reader = VerifiedUserFactory(
        commenting_suspended_until=timezone.now() + timedelta(days=2),
        suspension_reason="Repeated abuse.",
    )
    client.force_login(reader)
    response = client.get(reverse("comments:question_ask"))
    assert response.status_code == 403
    page = response.content.decode()
    assert "Your commenting is suspended until" in page
    assert "Repeated abuse." in page
    assert 'name="text"' not in page  # no form to be refused on

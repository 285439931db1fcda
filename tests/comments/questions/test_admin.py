"""The editors' question admin: filters, decisions, the promote step, privacy."""

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission
from django.core import mail
from django.urls import reverse
from django.utils.html import escape

from accounts import privacy
from articles.models import FaqItem
from comments.questions import admin as question_admin
from comments.questions import services as qs
from comments.questions.models import ReaderQuestion
from tests.accounts.factories import UserFactory, add_totp
from tests.articles.factories import FaqItemFactory
from tests.comments.factories import CommentFactory
from tests.comments.helpers import erase
from tests.comments.questions.factories import ReaderQuestionFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:comments_readerquestion_changelist")


def act(client, action, questions, **data):
    return client.post(
        CHANGELIST,
        {"action": action, "_selected_action": [q.pk for q in questions], **data},
        follow=True,
    )


def test_changelist_filters_search_and_links_to_the_askers_other_writing(
    client, staff_user, article
):
    question = ReaderQuestionFactory(
        article=article, text="Findable question?", status="pending"
    )
    ReaderQuestionFactory(text="Another approved one?")
    client.force_login(staff_user)
    html = client.get(
        CHANGELIST,
        {"q": "Findable", "status__exact": "pending", "article__id__exact": article.pk},
    ).content.decode()
    assert "Findable question?" in html and "Another approved" not in html
    html = client.get(
        reverse("admin:comments_readerquestion_change", args=[question.pk])
    ).content.decode()
    author = question.author_id
    assert f"{CHANGELIST}?author__id__exact={author}" in html
    comments = reverse("admin:comments_comment_changelist")
    assert f"{comments}?author__id__exact={author}" in html
    # The links work: the asker's other questions only.
    ReaderQuestionFactory(author=question.author, text="Their second question?")
    html = client.get(CHANGELIST, {"author__id__exact": author}).content.decode()
    assert "Their second question?" in html and "Another approved" not in html


def test_approve_then_feature_in_the_admin(client, staff_user, article):
    """Featuring a pending question is refused with a message; approved, it works."""
    question = ReaderQuestionFactory(article=article, status="pending")
    client.force_login(staff_user)
    html = act(client, "feature", [question]).content.decode()
    assert escape(qs.FEATURE_NOT_APPROVED) in html
    question.refresh_from_db()
    assert not question.is_featured
    act(client, "approve", [question])
    act(client, "feature", [question])
    question.refresh_from_db()
    assert question.status == "approved" and question.is_featured
    assert LogEntry.objects.filter(object_id=str(question.pk)).count() == 2


def test_reject_in_the_admin(client, staff_user):
    question = ReaderQuestionFactory(status="pending")
    client.force_login(staff_user)
    act(client, "reject", [question])
    question.refresh_from_db()
    assert question.status == "rejected"


def test_promote_asks_for_the_answer_and_position_then_promotes_once(
    client, staff_user, article, django_capture_on_commit_callbacks
):
    first = FaqItemFactory(article=article, position=0)
    question = ReaderQuestionFactory(article=article, text="Who mediates?")
    client.force_login(staff_user)
    step = act(client, "promote", [question]).content.decode()
    assert "Answer and promote to the FAQ" in step and first.question in step
    # No answer: a clear message, nothing done.
    html = act(client, "promote", [question], apply="1", answer=" ").content.decode()
    assert escape(qs.PROMOTE_NO_ANSWER) in html
    assert FaqItem.objects.count() == 1 and not mail.outbox
    with django_capture_on_commit_callbacks(execute=True):
        html = act(
            client, "promote", [question], apply="1", answer="Qatar.", position="1"
        ).content.decode()
    item = FaqItem.objects.get(question="Who mediates?")
    assert list(FaqItem.objects.filter(article=article)) == [item, first]
    assert "is now in the FAQ" in html and "at position 1" in html
    assert len(mail.outbox) == 1
    # Twice: refused with a message, still one entry and one email.
    html = act(
        client, "promote", [question], apply="1", answer="Again.", position=""
    ).content.decode()
    assert escape(qs.PROMOTE_TWICE) in html
    assert FaqItem.objects.filter(question="Who mediates?").count() == 1
    assert len(mail.outbox) == 1


def test_promote_one_question_at_a_time(client, staff_user, article):
    questions = [ReaderQuestionFactory(article=article, answer="A.") for _ in range(2)]
    client.force_login(staff_user)
    html = act(client, "promote", questions).content.decode()
    assert escape(question_admin.PROMOTE_ONE) in html and not FaqItem.objects.exists()


def test_moving_a_featured_question_to_another_article_unfeatures_it(
    client, staff_user, article
):
    question = qs.question_feature(question=ReaderQuestionFactory(article=article))
    other = ReaderQuestionFactory()
    client.force_login(staff_user)
    url = reverse("admin:comments_readerquestion_change", args=[question.pk])
    response = client.post(url, {"article": other.article_id, "answer": ""})
    assert response.status_code == 302
    question.refresh_from_db()
    assert question.article_id == other.article_id and not question.is_featured


def test_admin_permissions(client, article):
    """Readers never reach the admin; staff need the change permission to act."""
    question = ReaderQuestionFactory(article=article, status="pending")
    client.force_login(UserFactory())
    assert client.get(CHANGELIST).status_code == 302
    viewer = UserFactory(is_staff=True)
    add_totp(viewer)  # the admin requires two-factor authentication of staff
    viewer.user_permissions.add(Permission.objects.get(codename="view_readerquestion"))
    client.force_login(viewer)
    assert client.get(CHANGELIST).status_code == 200
    act(client, "approve", [question])
    question.refresh_from_db()
    assert question.status == "pending"


# --- Privacy ----------------------------------------------------------------------


def test_export_and_erasure_of_questions(staff_user, article):
    """Export lists questions; deletion anonymises FAQ ones and deletes the rest."""
    question = ReaderQuestionFactory(article=article, answer="Yes.")
    asker = question.author
    qs.question_promote(question=question, editor=staff_user)
    pending = ReaderQuestionFactory(author=asker, status="pending", text="Pending?")
    featured = qs.question_feature(
        question=ReaderQuestionFactory(author=asker, text="Featured?")
    )
    featured.answers.add(CommentFactory(article=featured.article))
    exported = privacy.exporters()["questions"](asker)
    assert {q["question"] for q in exported} == {question.text, "Pending?", "Featured?"}
    erase(asker)
    question.refresh_from_db()
    assert question.author is None and question.is_anonymous
    assert question.faq_item is not None
    assert not ReaderQuestion.objects.filter(pk__in=[pending.pk, featured.pk]).exists()


def test_erasing_an_editor_keeps_their_answers(staff_user, article):
    question = ReaderQuestionFactory(article=article, answer="Yes.")
    qs.question_promote(question=question, editor=staff_user)
    erase(staff_user)
    question.refresh_from_db()
    assert question.answered_by is None and question.faq_item is not None

"""Reader questions: the submission rules and the editors' decisions (services)."""

import datetime

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from articles.models import Article, FaqItem
from comments import services
from comments.models import Comment, WordRule
from comments.questions import services as qs
from comments.questions.models import ReaderQuestion
from tests.accounts.factories import UserFactory
from tests.articles.factories import ArticleFactory, FaqItemFactory
from tests.comments.questions.factories import ReaderQuestionFactory

pytestmark = pytest.mark.django_db

GOOD = "What role will the UN play after a ceasefire?"


def ask(author, text=GOOD, **kwargs):
    return qs.question_create(author=author, text=text, **kwargs)


def refused(author, text=GOOD, **kwargs) -> qs.QuestionError:
    with pytest.raises(qs.QuestionError) as excinfo:
        ask(author, text, **kwargs)
    return excinfo.value


# --- Submission rules ----------------------------------------------------------------


def test_a_question_is_held_for_editors_and_tied_to_the_article(article, reader):
    """Every question waits for an editor, whoever asks (trusted readers too)."""
    reader.trusted = True
    reader.save()
    question = ask(reader, article=article, anonymous=True)
    assert question.status == ReaderQuestion.Status.PENDING
    assert question.article == article and question.is_anonymous


def test_a_general_question_needs_no_article(reader):
    """ "Ask the newsroom": a question tied to no article is accepted."""
    assert ask(reader).article is None


def test_unverified_reader_cannot_ask(article):
    """Only readers with a confirmed email address ask."""
    error = refused(UserFactory(), article=article)
    assert error.message == services.NOT_VERIFIED
    assert not ReaderQuestion.objects.exists()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Why?", qs.QUESTION_TOO_SHORT.format(minimum=10, length=4)),
        (
            "How " + "x" * 297 + "?",
            qs.QUESTION_TOO_LONG.format(maximum=300, length=302),
        ),
        ("The UN should do more here.", qs.NOT_A_QUESTION),
    ],
)
def test_text_must_be_a_question_of_the_right_length(reader, text, message):
    """10–300 characters, phrased as a question; each failure says why."""
    error = refused(reader, text)
    assert error.message == message and error.field == "text"


@pytest.mark.parametrize(
    "text",
    [
        "Will the UN send peacekeepers",
        "how long will the talks last",
        "Is Europe part of the deal at all?",
        "The deal, then, is final?",
    ],
)
def test_question_words_or_a_question_mark_make_a_question(reader, text):
    assert ask(reader, text).text == text


def test_asking_on_a_closed_article_is_refused(reader):
    """A closed discussion takes no questions either."""
    closed = ArticleFactory(discussion_mode=Article.DiscussionMode.CLOSED)
    assert refused(reader, article=closed).message == qs.QUESTIONS_CLOSED
    past = ArticleFactory(
        discussion_closes_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    assert refused(reader, article=past).message == qs.QUESTIONS_CLOSED


def test_suspended_reader_cannot_ask(reader):
    reader.commenting_suspended_forever = True
    reader.save()
    assert refused(reader).message == services.SUSPENDED_FOREVER


def test_duplicate_of_own_recent_question_is_refused(reader):
    """The same question twice (any case) within the duplicate window is refused."""
    ask(reader)
    error = refused(reader, GOOD.upper())
    assert error.message == qs.QUESTION_DUPLICATE
    assert ReaderQuestion.objects.count() == 1


def test_rate_limits_per_minute_and_per_day(reader, settings):
    settings.QUESTIONS_RATE_PER_MINUTE = 2
    settings.QUESTIONS_RATE_PER_DAY = 3
    ask(reader, "Who pays for reconstruction?")
    ask(reader, "Who guarantees the ceasefire?")
    assert refused(reader).message == qs.QUESTION_RATE_MINUTE
    ReaderQuestion.objects.update(created=timezone.now() - datetime.timedelta(hours=1))
    ask(reader, "Who chairs the talks?")
    assert refused(reader).message == qs.QUESTION_RATE_DAY.format(limit=3)


def test_honeypot_is_refused(reader):
    assert refused(reader, honeypot="http://spam").message == qs.QUESTION_HONEYPOT
    assert not ReaderQuestion.objects.exists()


def test_word_rules_reject_or_flag_questions(reader):
    """The discussion's word rules apply: reject refuses, hold flags for editors."""
    WordRule.objects.create(phrase="idiots", action=WordRule.Action.REJECT)
    WordRule.objects.create(phrase="casino", action=WordRule.Action.HOLD)
    error = refused(reader, "Why are the negotiators such idiots?")
    assert error.message == qs.QUESTION_WORD_REJECTED
    flagged = ask(reader, "Is the casino in Miami the venue?")
    assert flagged.status == ReaderQuestion.Status.PENDING
    assert flagged.hold_reason.startswith(qs.QUESTION_HOLD_WORD)


# --- Editors: feature ---------------------------------------------------------------


def test_only_an_approved_question_can_be_featured(article):
    """Featuring a pending or rejected question is refused, nothing changes."""
    for status in (ReaderQuestion.Status.PENDING, ReaderQuestion.Status.REJECTED):
        question = ReaderQuestionFactory(article=article, status=status)
        with pytest.raises(qs.QuestionError) as excinfo:
            qs.question_feature(question=question)
        assert excinfo.value.message == qs.FEATURE_NOT_APPROVED
    assert not ReaderQuestion.objects.filter(is_featured=True).exists()


def test_featuring_replaces_the_articles_featured_question(article):
    """At most one featured question per article: a new one takes the slot."""
    first = qs.question_feature(question=ReaderQuestionFactory(article=article))
    second = qs.question_feature(question=ReaderQuestionFactory(article=article))
    first.refresh_from_db()
    assert second.is_featured and not first.is_featured


def test_the_database_allows_one_featured_question_per_article(article):
    ReaderQuestionFactory(article=article, is_featured=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        ReaderQuestionFactory(article=article, is_featured=True)


def test_a_question_without_article_cannot_be_featured():
    question = ReaderQuestionFactory(article=None)
    with pytest.raises(qs.QuestionError) as excinfo:
        qs.question_feature(question=question)
    assert excinfo.value.message == qs.FEATURE_NO_ARTICLE


def test_rejecting_a_featured_question_empties_the_slot(article):
    question = qs.question_feature(question=ReaderQuestionFactory(article=article))
    qs.question_reject(question=question)
    question.refresh_from_db()
    assert question.status == ReaderQuestion.Status.REJECTED
    assert not question.is_featured


# --- Answers from readers -------------------------------------------------------------


def test_an_answer_is_a_discussion_comment_linked_to_the_question(
    article, reader, settings_no_first_hold
):
    question = qs.question_feature(question=ReaderQuestionFactory(article=article))
    comment = qs.answer_create(question=question, author=reader, body="The UN won't.")
    assert comment.article == article
    assert comment.status == Comment.Status.APPROVED
    assert list(question.answers.all()) == [comment]


def test_a_refused_answer_leaves_nothing_behind(article, reader):
    """The discussion's rules apply to answers; a refusal links nothing."""
    question = qs.question_feature(question=ReaderQuestionFactory(article=article))
    with pytest.raises(services.CommentError) as excinfo:
        qs.answer_create(question=question, author=reader, body="   ")
    assert excinfo.value.message == services.EMPTY
    assert not Comment.objects.exists() and not question.answers.exists()


def test_only_the_featured_question_takes_answers(article, reader):
    question = ReaderQuestionFactory(article=article)
    with pytest.raises(qs.QuestionError) as excinfo:
        qs.answer_create(question=question, author=reader, body="An answer.")
    assert excinfo.value.message == qs.ANSWER_NOT_FEATURED


# --- Promotion -----------------------------------------------------------------------


def test_promotion_creates_one_faq_item_and_notifies_the_asker_once(
    article, staff_user, django_capture_on_commit_callbacks
):
    """One FaqItem, the question answered, and one email with a link to the entry."""
    question = ReaderQuestionFactory(article=article, answer="It will mediate.")
    with django_capture_on_commit_callbacks(execute=True):
        faq_item = qs.question_promote(question=question, editor=staff_user)
    question.refresh_from_db()
    assert FaqItem.objects.filter(article=article).count() == 1
    assert (faq_item.question, faq_item.answer) == (question.text, "It will mediate.")
    assert question.status == ReaderQuestion.Status.ANSWERED
    assert question.faq_item == faq_item and question.answered_by == staff_user
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [question.author.email]
    assert f"{article.get_absolute_url()}#faq-{faq_item.pk}" in message.body
    # A retried task sends nothing more.
    from comments.questions.tasks import send_question_answered

    send_question_answered.call(question.pk)
    assert len(mail.outbox) == 1


def test_promoting_twice_is_refused_and_adds_nothing(
    article, staff_user, django_capture_on_commit_callbacks
):
    question = ReaderQuestionFactory(article=article, answer="Yes.")
    with django_capture_on_commit_callbacks(execute=True):
        qs.question_promote(question=question, editor=staff_user)
        with pytest.raises(qs.QuestionError) as excinfo:
            qs.question_promote(question=question, editor=staff_user)
    assert excinfo.value.message == qs.PROMOTE_TWICE
    assert FaqItem.objects.count() == 1 and len(mail.outbox) == 1


def test_deleting_the_faq_entry_puts_the_question_back_to_promote_again(
    article, staff_user, django_capture_on_commit_callbacks
):
    """The asker's "answered in the FAQ" would point at nothing: the question is
    approved again, keeps its answer, and can be promoted once more."""
    question = ReaderQuestionFactory(article=article, answer="Yes.")
    with django_capture_on_commit_callbacks(execute=True):
        qs.question_promote(question=question, editor=staff_user).delete()
    question.refresh_from_db()
    assert question.status == ReaderQuestion.Status.APPROVED
    assert question.faq_item is None and question.answered_at is None
    assert question.answer == "Yes."
    assert not ReaderQuestion.objects.answered().exists()
    with django_capture_on_commit_callbacks(execute=True):
        qs.question_promote(question=question, editor=staff_user)
    assert FaqItem.objects.filter(article=article).count() == 1


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"answer": "  "}, qs.PROMOTE_NO_ANSWER),
        ({"answer": "Yes.", "status": "pending"}, qs.PROMOTE_NOT_APPROVED),
        ({"answer": "Yes.", "article": None}, qs.PROMOTE_NO_ARTICLE),
    ],
)
def test_promotion_refusals_leave_nothing_half_done(staff_user, fields, message):
    question = ReaderQuestionFactory(**fields)
    with pytest.raises(qs.QuestionError) as excinfo:
        qs.question_promote(question=question, editor=staff_user)
    assert excinfo.value.message == message
    question.refresh_from_db()
    assert not FaqItem.objects.exists() and question.faq_item is None
    assert question.status == fields.get("status", "approved") and not mail.outbox


def test_promotion_at_a_chosen_position_moves_the_others_down(article, staff_user):
    """Position 1 puts the entry first; the existing entries keep their order."""
    old = [FaqItemFactory(article=article, position=p) for p in (5, 9)]
    question = ReaderQuestionFactory(article=article, answer="Yes.")
    new = qs.question_promote(question=question, editor=staff_user, position=2)
    order = FaqItem.objects.filter(article=article).order_by("position", "pk")
    assert list(order) == [old[0], new, old[1]]
    last = ReaderQuestionFactory(article=article, answer="No.")
    item = qs.question_promote(question=last, editor=staff_user)
    assert list(FaqItem.objects.filter(article=article))[-1] == item


def test_deleted_asker_gets_no_email(article, staff_user):
    question = ReaderQuestionFactory(article=article, answer="Yes.", author=None)
    qs.question_promote(question=question, editor=staff_user)
    assert not mail.outbox


def test_queued_question_emails_follow_their_task_to_its_new_module(settings):
    """Migration 0005 points tasks queued under comments.question_tasks at
    comments.questions.tasks, where the task now lives, so they still run."""
    from importlib import import_module

    from django.apps import apps as global_apps
    from django_tasks_db.models import DBTaskResult

    from comments.questions.tasks import send_question_answered

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    migration = import_module("comments.migrations.0005_question_tasks_moved")
    result = send_question_answered.enqueue(question_id=1)
    row = DBTaskResult.objects.get(id=result.id)
    row.task_path = "comments.question_tasks.send_question_answered"
    row.save(update_fields=["task_path"])
    migration.move(global_apps, None)
    row.refresh_from_db()
    assert row.task_path == "comments.questions.tasks.send_question_answered"
    assert row.task.name == send_question_answered.name

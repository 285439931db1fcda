"""Writes for reader questions: asking, reviewing, featuring, answering, promoting.

Asking runs the discussion's defences (comments/services.py) in the same spirit and
order: verified email, not suspended, article open, rate limit, duplicate, honeypot,
word rules; then the question is held for editors (always: the newsroom chooses what
it answers). Promotion into the FAQ is one transaction: the FaqItem, the question's
new state and the positions of the other FAQ entries change together or not at all;
the page refresh and the asker's email follow on commit.
"""

from __future__ import annotations

import re
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from articles.cache import article_changed
from articles.models import Article, FaqItem

from .. import conf, word_rules
from .. import services as discussion
from ..conf import question_setting
from ..models import Comment, WordRule
from ..rules import CommentError, take_part_refusal
from .models import ReaderQuestion

# Messages readers and editors see (tests assert these constants).
QUESTION_TOO_SHORT = (
    "Your question is too short: use at least {minimum} characters (it has {length})."
)
QUESTION_TOO_LONG = "Keep your question to {maximum} characters: it has {length}."
NOT_A_QUESTION = (
    "Phrase it as a question: end it with a question mark, or start with a word "
    "such as what, why or how."
)
QUESTIONS_CLOSED = "This article no longer takes questions."
QUESTION_RATE_MINUTE = "You're asking very fast: wait a minute, then try again."
QUESTION_RATE_DAY = (
    "You've reached today's limit of {limit} questions. Please come back tomorrow."
)
QUESTION_DUPLICATE = "You've already asked this question."
QUESTION_HONEYPOT = "Your question could not be sent. Please try again."
QUESTION_WORD_REJECTED = (
    "Your question contains language we don't publish. Please rephrase it and try "
    "again."
)
QUESTION_HELD = "Every question is read by an editor first."
QUESTION_HOLD_WORD = "It contains a word or phrase our editors check first."

FEATURE_NOT_APPROVED = "Only an approved question can be featured."
FEATURE_NO_ARTICLE = "Tie the question to an article before featuring it."
PROMOTE_NO_ANSWER = "Write an answer before promoting the question to the FAQ."
PROMOTE_NO_ARTICLE = "Tie the question to an article before promoting it to the FAQ."
PROMOTE_NOT_APPROVED = "Approve the question before promoting it to the FAQ."
PROMOTE_TWICE = "This question is already in the article's FAQ."
ANSWER_NOT_FEATURED = "This question is no longer open for answers."

QUESTION_WORDS = frozenset(
    """what why how when where who whom whose which is are am was were do does did
    can could will would should shall may might must has have had isn't aren't
    doesn't don't didn't can't won't wouldn't shouldn't""".split()
)


class QuestionError(CommentError):
    """A rule refused the question; `message` for the reader, `field` for the form."""


# --- Rules ------------------------------------------------------------------------


def reads_as_question(text: str) -> bool:
    """Ends with a question mark, or starts with a question word ("How …")."""
    text = text.strip()
    if text.endswith(("?", "？", "¿")):
        return True
    first = re.split(r"[\s,;:]+", text, maxsplit=1)[0].casefold().strip("¿\"'“‘")
    return first.replace("’", "'") in QUESTION_WORDS


def _check_text(text: str) -> str:
    text = " ".join(text.split())
    minimum = question_setting("QUESTIONS_MIN_LENGTH")
    maximum = question_setting("QUESTIONS_MAX_LENGTH")
    if len(text) < minimum:
        raise QuestionError(
            QUESTION_TOO_SHORT.format(minimum=minimum, length=len(text)),
            rule="too-short",
            field="text",
        )
    if len(text) > maximum:
        raise QuestionError(
            QUESTION_TOO_LONG.format(maximum=maximum, length=len(text)),
            rule="too-long",
            field="text",
        )
    if not reads_as_question(text):
        raise QuestionError(NOT_A_QUESTION, rule="not-a-question", field="text")
    return text


def _refusal(*, article, author, text: str, honeypot: str, now) -> QuestionError | None:
    """The refusing rules, in the discussion's order; None when all pass."""
    refusal = take_part_refusal(author, article=article, at=now, verified=True)
    if refusal is not None and refusal.rule == "closed":
        return QuestionError(QUESTIONS_CLOSED, rule="closed")
    if refusal is not None:
        return QuestionError(refusal.message, rule=refusal.rule)
    recent = ReaderQuestion.objects.filter(author=author)
    if recent.filter(
        created__gt=now - timedelta(minutes=1)
    ).count() >= question_setting("QUESTIONS_RATE_PER_MINUTE"):
        return QuestionError(QUESTION_RATE_MINUTE, rule="rate-minute")
    per_day = question_setting("QUESTIONS_RATE_PER_DAY")
    if recent.filter(created__gt=now - timedelta(days=1)).count() >= per_day:
        return QuestionError(QUESTION_RATE_DAY.format(limit=per_day), rule="rate-day")
    if recent.filter(
        text__iexact=text, created__gt=now - conf.duplicate_window()
    ).exists():
        return QuestionError(QUESTION_DUPLICATE, rule="duplicate", field="text")
    if honeypot:
        return QuestionError(QUESTION_HONEYPOT, rule="honeypot")
    if word_rules.matching(text, WordRule.Action.REJECT) is not None:
        return QuestionError(QUESTION_WORD_REJECTED, rule="word-rule", field="text")
    return None


# --- Readers ------------------------------------------------------------------------


def question_create(
    *,
    author,
    text: str,
    article: Article | None = None,
    anonymous: bool = False,
    honeypot: str = "",
) -> ReaderQuestion:
    """A reader asks. Raises QuestionError with the reader's message if refused."""
    if not discussion.user_has_verified_email(author):
        raise QuestionError(discussion.NOT_VERIFIED, rule="not-verified")
    text = _check_text(text)
    now = timezone.now()
    with transaction.atomic():
        # One reader's questions go one at a time (a row lock on the reader), so a
        # double-click cannot slip past the duplicate and rate rules.
        get_user_model().objects.select_for_update().filter(pk=author.pk).first()
        refusal = _refusal(
            article=article, author=author, text=text, honeypot=honeypot, now=now
        )
        if refusal is not None:
            raise refusal
        hold = word_rules.matching(text, WordRule.Action.HOLD)
        question = ReaderQuestion(
            article=article,
            author=author,
            text=text,
            is_anonymous=anonymous,
            created=now,
            hold_reason=f"{QUESTION_HOLD_WORD} ({hold.phrase})" if hold else "",
        )
        question.full_clean()
        question.save()
    return question


def answer_create(
    *, question: ReaderQuestion, author, body: str, honeypot: str = ""
) -> Comment:
    """A reader answers the featured question: a discussion comment, linked to it.

    The comment goes through every discussion rule (comment_create); the link is made
    in the same transaction, so there is never an answer without its question.
    """
    if not question.is_featured or question.article_id is None:
        raise QuestionError(ANSWER_NOT_FEATURED, rule="not-featured")
    with transaction.atomic():
        comment = discussion.comment_create(
            article=question.article, author=author, body=body, honeypot=honeypot
        )
        question.answers.add(comment)
    return comment


# --- Editors ------------------------------------------------------------------------


def _locked(question: ReaderQuestion) -> ReaderQuestion:
    return ReaderQuestion.objects.select_for_update().get(pk=question.pk)


def _refresh_article(article_id: int | None) -> None:
    if article_id is not None:
        transaction.on_commit(lambda: article_changed(article_id))


def question_approve(*, question: ReaderQuestion, editor=None) -> ReaderQuestion:
    with transaction.atomic():
        question = _locked(question)
        if question.status == ReaderQuestion.Status.PENDING or (
            question.status == ReaderQuestion.Status.REJECTED
        ):
            question.status = ReaderQuestion.Status.APPROVED
            question.reviewed_at = timezone.now()
            question.save(update_fields=["status", "reviewed_at"])
    return question


def faq_item_deleted(*, faq_item_id: int) -> None:
    """An editor deleted the FAQ entry a question was promoted into.

    The question goes back to "approved" (keeping its answer, ready to promote
    again): "answered in the FAQ" would point the asker at an entry that is gone.
    """
    ReaderQuestion.objects.filter(
        faq_item_id=faq_item_id, status=ReaderQuestion.Status.ANSWERED
    ).update(status=ReaderQuestion.Status.APPROVED, answered_at=None)


def question_reject(*, question: ReaderQuestion, editor=None) -> ReaderQuestion:
    """Not taken up. A featured question leaves the slot; a promoted one stays."""
    with transaction.atomic():
        question = _locked(question)
        if question.status == ReaderQuestion.Status.ANSWERED:
            raise QuestionError(PROMOTE_TWICE, rule="answered")
        was_featured = question.is_featured
        question.status = ReaderQuestion.Status.REJECTED
        question.is_featured = False
        question.reviewed_at = timezone.now()
        question.save(update_fields=["status", "is_featured", "reviewed_at"])
        if was_featured:
            _refresh_article(question.article_id)
    return question


def question_feature(*, question: ReaderQuestion, editor=None) -> ReaderQuestion:
    """Feature in the article's slot, replacing the article's current featured one."""
    with transaction.atomic():
        question = _locked(question)
        if question.article_id is None:
            raise QuestionError(FEATURE_NO_ARTICLE, rule="no-article")
        if question.status not in (
            ReaderQuestion.Status.APPROVED,
            ReaderQuestion.Status.ANSWERED,
        ):
            raise QuestionError(FEATURE_NOT_APPROVED, rule="not-approved")
        if question.is_featured:
            return question
        # Lock the article row: two editors featuring at once queue up here.
        Article.objects.select_for_update().filter(pk=question.article_id).first()
        ReaderQuestion.objects.filter(
            article_id=question.article_id, is_featured=True
        ).update(is_featured=False)
        question.is_featured = True
        question.featured_at = timezone.now()
        question.save(update_fields=["is_featured", "featured_at"])
        _refresh_article(question.article_id)
    return question


def question_unfeature(*, question: ReaderQuestion, editor=None) -> ReaderQuestion:
    with transaction.atomic():
        question = _locked(question)
        if question.is_featured:
            question.is_featured = False
            question.save(update_fields=["is_featured"])
            _refresh_article(question.article_id)
    return question


def question_promote(
    *,
    question: ReaderQuestion,
    editor,
    answer: str | None = None,
    position: int | None = None,
) -> FaqItem:
    """Answer and promote into the article's FAQ, in one transaction.

    `position` is 1-based among the article's FAQ entries (None: last); entries at
    and after it move down one. The asker hears once, in a background task.
    """
    with transaction.atomic():
        question = _locked(question)
        if question.faq_item_id is not None:
            raise QuestionError(PROMOTE_TWICE, rule="twice")
        if question.article_id is None:
            raise QuestionError(PROMOTE_NO_ARTICLE, rule="no-article")
        if question.status != ReaderQuestion.Status.APPROVED:
            raise QuestionError(PROMOTE_NOT_APPROVED, rule="not-approved")
        answer = (question.answer if answer is None else answer).strip()
        if not answer:
            raise QuestionError(PROMOTE_NO_ANSWER, rule="no-answer", field="answer")
        Article.objects.select_for_update().filter(pk=question.article_id).first()
        items = list(
            FaqItem.objects.filter(article_id=question.article_id).order_by(
                "position", "pk"
            )
        )
        # Renumber 0..n-1 so a position means what the editor saw in the list.
        for index, item in enumerate(items):
            if item.position != index:
                FaqItem.objects.filter(pk=item.pk).update(position=index)
        slot = len(items) if position is None else min(max(position, 1) - 1, len(items))
        FaqItem.objects.filter(
            article_id=question.article_id, position__gte=slot
        ).update(position=F("position") + 1)
        faq_item = FaqItem.objects.create(
            article_id=question.article_id,
            question=question.text,
            answer=answer,
            position=slot,
        )
        now = timezone.now()
        question.answer = answer
        question.answered_by = editor
        question.answered_at = now
        question.faq_item = faq_item
        question.status = ReaderQuestion.Status.ANSWERED
        question.save(
            update_fields=[
                "answer",
                "answered_by",
                "answered_at",
                "faq_item",
                "status",
            ]
        )
        _refresh_article(question.article_id)
        if question.author_id is not None:
            from .tasks import send_question_answered

            pk = question.pk
            transaction.on_commit(lambda: send_question_answered.enqueue(pk))
    return faq_item


def next_faq_position(article_id: int) -> int:
    """The 1-based position a new FAQ entry takes by default (last)."""
    return FaqItem.objects.filter(article_id=article_id).count() + 1


# --- Privacy ------------------------------------------------------------------------


def export_questions(user) -> list[dict]:
    return [
        {
            "question": q.text,
            "article": q.article.title if q.article_id else None,
            "status": q.status,
            "anonymous": q.is_anonymous,
            "created": q.created.isoformat(),
            "answer": q.answer if q.status == ReaderQuestion.Status.ANSWERED else None,
        }
        for q in ReaderQuestion.objects.filter(author=user).select_related("article")
    ]


def erase_user_questions(user) -> None:
    """Account deletion: questions in an FAQ lose their asker; the rest are deleted."""
    with transaction.atomic():
        asked = ReaderQuestion.objects.filter(author=user)
        featured = set(
            asked.filter(is_featured=True, faq_item__isnull=True).values_list(
                "article_id", flat=True
            )
        )
        asked.filter(faq_item__isnull=False).update(author=None, is_anonymous=True)
        asked.filter(faq_item__isnull=True).delete()
        ReaderQuestion.objects.filter(answered_by=user).update(answered_by=None)
        for article_id in featured:
            _refresh_article(article_id)


def register_question_privacy() -> None:
    """Called from CommentsConfig.ready()."""
    from accounts import privacy

    privacy.register_exporter("questions", export_questions)
    privacy.register_eraser(erase_user_questions)

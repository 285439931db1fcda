"""The article's "Reader question" slot and the profile's question list."""

from dataclasses import dataclass
from urllib.parse import urlencode

from django import template
from django.urls import reverse

from ..discussion import ANSWERS_FILTER, FILTER_PARAM, discussion_for
from ..questions.forms import AnswerForm, AskForm
from ..questions.models import ReaderQuestion

register = template.Library()

PROFILE_QUESTIONS = 10


@dataclass
class Slot:
    question: ReaderQuestion | None
    fallback_text: str
    signed_in: bool
    can_take_part: bool
    is_open: bool
    login_url: str
    signup_url: str
    ask_url: str
    answers_url: str
    answer_form: AnswerForm | None
    ask_form: AskForm | None


@register.simple_tag(takes_context=True)
def reader_question_slot(context, article) -> Slot:
    """Everything the slot shows, in at most one query (the featured question,
    which the article page's discussion context has already loaded).

    The anonymous render holds no form and no per-visitor data, so the page cache
    can serve it to everyone: forms (with their CSRF token) appear only for signed-in
    readers, whose pages are never cached.
    """
    request = context.get("request")
    user = getattr(request, "user", None)
    signed_in = bool(user and user.is_authenticated)
    # The discussion below the slot loads the featured question anyway.
    discussion = discussion_for(request, article)
    question = discussion.question
    can_take_part, is_open = discussion.can_take_part, discussion.is_open
    next_param = urlencode({"next": f"{article.get_absolute_url()}#reader-question"})
    active = can_take_part and is_open
    return Slot(
        question=question,
        fallback_text=article.reader_question,
        signed_in=signed_in,
        can_take_part=can_take_part,
        is_open=is_open,
        login_url=f"{reverse('account_login')}?{next_param}",
        signup_url=f"{reverse('account_signup')}?{next_param}",
        ask_url=f"{reverse('comments:question_ask')}?article={article.pk}",
        answers_url=f"{article.get_absolute_url()}?{FILTER_PARAM}={ANSWERS_FILTER}"
        "#discussion",
        answer_form=AnswerForm() if active and question is not None else None,
        ask_form=AskForm() if active else None,
    )


@register.simple_tag
def profile_questions(profile_user):
    """The reader's latest questions with their status (one query)."""
    return list(
        ReaderQuestion.objects.filter(author=profile_user)
        .select_related("article")
        .order_by("-created", "-pk")[:PROFILE_QUESTIONS]
    )

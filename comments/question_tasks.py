"""Background email for reader questions (django-tasks, queued on commit)."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone
from django_tasks import task

from .question_models import ReaderQuestion


@task()
def send_question_answered(question_id: int) -> bool:
    """Tell the asker their question is answered in the FAQ: once, even if retried.

    The question is claimed with a conditional update before sending, so a retried or
    duplicated task finds it claimed and sends nothing.
    """
    question = (
        ReaderQuestion.objects.select_related("article", "author")
        .filter(
            pk=question_id,
            status=ReaderQuestion.Status.ANSWERED,
            faq_item__isnull=False,
            author__isnull=False,
        )
        .first()
    )
    if question is None or not question.author.is_active:
        return False
    claimed = ReaderQuestion.objects.filter(
        pk=question.pk, asker_notified_at=None
    ).update(asker_notified_at=timezone.now())
    if not claimed:
        return False
    context = {
        "SITE_NAME": settings.SITE_NAME,
        "question": question,
        "article": question.article,
        "recipient": question.author,
        "answer_url": settings.SITE_URL + question.faq_url,
    }
    subject = " ".join(
        render_to_string(
            "comments/email/question_answered_subject.txt", context
        ).split()
    )
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("comments/email/question_answered.txt", context),
        to=[question.author.email],
    )
    message.attach_alternative(
        render_to_string("comments/email/question_answered.html", context),
        "text/html",
    )
    message.send()
    return True

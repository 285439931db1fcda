"""Background email for reader questions (django-tasks, queued on commit)."""

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from core.mail import email_message, render_email, send_with_retry

from .models import ReaderQuestion


@task()
def send_question_answered(question_id: int, attempt: int = 1) -> bool:
    """Tell the asker their question is answered in the FAQ: once, even if retried.

    The question is claimed with a conditional update before sending, so a duplicated
    task finds it claimed and sends nothing; a failed send gives the claim back and
    is retried later (core/mail.py).
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
    claimed_at = timezone.now()
    claimed = ReaderQuestion.objects.filter(
        pk=question.pk, asker_notified_at=None
    ).update(asker_notified_at=claimed_at)
    if not claimed:
        return False
    context = {
        "SITE_NAME": settings.SITE_NAME,
        "question": question,
        "article": question.article,
        "recipient": question.author,
        "answer_url": settings.SITE_URL + question.faq_url,
    }
    message = email_message(
        render_email("comments/email/question_answered", context),
        to=[question.author.email],
    )
    return send_with_retry(
        message.send,
        task=send_question_answered,
        kwargs={"question_id": question_id},
        attempt=attempt,
        undo=lambda: ReaderQuestion.objects.filter(
            pk=question.pk, asker_notified_at=claimed_at
        ).update(asker_notified_at=None),
    )

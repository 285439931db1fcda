"""Background email for the discussion (django-tasks, queued on commit).

Each task re-reads the database: the situation may have changed since it was queued,
and a retried task must not send the same email twice (reply notifications claim
their comment with a conditional update before sending, and give the claim back if
the send fails). A failed send is retried later (core/mail.py).
"""

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from core.mail import email_message, render_email, send_with_retry

from .models import Comment

STOP_REPLIES_SALT = "comments.stop-reply-emails"


def stop_replies_token(user) -> str:
    return signing.dumps(user.pk, salt=STOP_REPLIES_SALT)


def stop_replies_url(user) -> str:
    token = stop_replies_token(user)
    return settings.SITE_URL + reverse("comments:stop_replies", kwargs={"token": token})


def _send(name: str, *, to: str, context: dict, headers: dict | None = None) -> None:
    context = {
        "SITE_NAME": settings.SITE_NAME,
        "SITE_URL": settings.SITE_URL,
        **context,
    }
    rendered = render_email(f"comments/email/{name}", context)
    email_message(rendered, to=[to], headers=headers).send()


def _comment_url(comment: Comment) -> str:
    return settings.SITE_URL + comment.get_absolute_url()


@task()
def send_reply_notification(comment_id: int, attempt: int = 1) -> bool:
    """Tell the author of the comment replied to, once per reply, if they want it."""
    reply = (
        Comment.objects.select_related("article", "author", "parent__author")
        .select_related("reply_to__author")
        .filter(pk=comment_id, status=Comment.Status.APPROVED)
        .first()
    )
    if reply is None:
        return False
    target = reply.reply_to or reply.parent
    recipient = target.author if target else None
    if (
        recipient is None
        or recipient.pk == reply.author_id
        or not recipient.notify_on_reply
        or not recipient.is_active
    ):
        return False
    claimed_at = timezone.now()
    claimed = Comment.objects.filter(pk=reply.pk, reply_notified_at=None).update(
        reply_notified_at=claimed_at
    )
    if not claimed:
        return False
    stop_url = stop_replies_url(recipient)

    def send() -> None:
        _send(
            "reply",
            to=recipient.email,
            context={
                "reply": reply,
                "recipient": recipient,
                "article": reply.article,
                "reply_url": _comment_url(reply),
                "stop_url": stop_url,
            },
            headers={
                "List-Unsubscribe": f"<{stop_url}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            },
        )

    return send_with_retry(
        send,
        task=send_reply_notification,
        kwargs={"comment_id": comment_id},
        attempt=attempt,
        # A failed send gives the claim back, so the retry can send.
        undo=lambda: Comment.objects.filter(
            pk=reply.pk, reply_notified_at=claimed_at
        ).update(reply_notified_at=None),
    )


@task()
def send_pick_notification(comment_id: int, attempt: int = 1) -> bool:
    comment = (
        Comment.objects.select_related("article", "author")
        .filter(pk=comment_id, is_editors_pick=True, author__isnull=False)
        .first()
    )
    if comment is None or not comment.author.is_active:
        return False
    return send_with_retry(
        lambda: _send(
            "pick",
            to=comment.author.email,
            context={
                "comment": comment,
                "article": comment.article,
                "comment_url": _comment_url(comment),
            },
        ),
        task=send_pick_notification,
        kwargs={"comment_id": comment_id},
        attempt=attempt,
    )


@task()
def send_rejection_notification(comment_id: int, attempt: int = 1) -> bool:
    """Tell the author why a moderator rejected their comment (if they want email)."""
    comment = (
        Comment.objects.select_related("article", "author")
        .filter(pk=comment_id, status=Comment.Status.REJECTED, author__isnull=False)
        .first()
    )
    if comment is None or not comment.author.notify_on_reply:
        return False
    return send_with_retry(
        lambda: _send(
            "rejected",
            to=comment.author.email,
            context={
                "comment": comment,
                "article": comment.article,
                "article_url": settings.SITE_URL + comment.article.get_absolute_url(),
                "mend_url": settings.SITE_URL
                + reverse("comments:edit", args=[comment.pk])
                if comment.mend_until
                else "",
            },
        ),
        task=send_rejection_notification,
        kwargs={"comment_id": comment_id},
        attempt=attempt,
    )

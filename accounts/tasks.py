"""Background email for accounts: allauth's messages are rendered in the request
(they need its context) and sent here, so a slow mail server never holds a page; a
failed send is retried later (articles/email_retry.py)."""

from django.core.mail import EmailMultiAlternatives
from django_tasks import task

from articles.email_retry import send_with_retry


@task()
def send_account_email(
    *,
    subject: str,
    body: str,
    html: str,
    from_email: str,
    to: list[str],
    headers: dict[str, str] | None = None,
    attempt: int = 1,
) -> bool:
    message = EmailMultiAlternatives(
        subject, body, from_email, to, headers=headers or None
    )
    if html:
        message.attach_alternative(html, "text/html")
    return send_with_retry(
        message.send,
        task=send_account_email,
        kwargs={
            "subject": subject,
            "body": body,
            "html": html,
            "from_email": from_email,
            "to": to,
            "headers": headers,
        },
        attempt=attempt,
    )

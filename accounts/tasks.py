"""Background email for accounts: allauth's messages are rendered in the request
(they need its context) and sent here, so a slow mail server never holds a page; a
failed send is retried later (core/mail.py)."""

from django_tasks import task

from core.mail import RenderedEmail, email_message, send_with_retry


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
    message = email_message(
        RenderedEmail(subject=subject, text=body, html=html),
        to=to,
        headers=headers,
        from_email=from_email,
    )
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

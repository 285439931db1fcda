"""Background email for accounts: allauth's messages are rendered in the request
(they need its context) and sent here, so a slow mail server never holds a page."""

from django.core.mail import EmailMultiAlternatives
from django_tasks import task


@task()
def send_account_email(
    *,
    subject: str,
    body: str,
    html: str,
    from_email: str,
    to: list[str],
    headers: dict[str, str] | None = None,
) -> None:
    message = EmailMultiAlternatives(
        subject, body, from_email, to, headers=headers or None
    )
    if html:
        message.attach_alternative(html, "text/html")
    message.send()

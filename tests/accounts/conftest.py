import re

import pytest
from django.core import mail

from tests.accounts.factories import PASSWORD


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run on_commit callbacks (the email tasks) as a real commit would."""

    def run():
        return django_capture_on_commit_callbacks(execute=True)

    return run


def link_in(message, pattern: str) -> str:
    match = re.search(rf"https?://\S*{pattern}\S*/", message.body)
    assert match, f"no link matching {pattern!r} in:\n{message.body}"
    return match.group(0)


def code_in(message) -> str:
    match = re.search(r"^\s*([A-Z0-9]{6,8})\s*$", message.body, re.MULTILINE)
    assert match, f"no code in:\n{message.body}"
    return match.group(1)


def last_mail_to(email: str):
    messages = [m for m in mail.outbox if email in m.to]
    assert messages, f"no mail to {email}"
    return messages[-1]


SIGNUP = {
    "email": "new.reader@example.com",
    "display_name": "New Reader",
    "password1": PASSWORD,
    "password2": PASSWORD,
}

import re

from django.core import mail


def link_in(message, name: str) -> str:
    """The path of the first newsletter:<name> link in an email's text part."""
    match = re.search(
        rf"https://news\.example\.com(/newsletter/{name}/[^\s/]+/)", message.body
    )
    assert match, f"no {name} link in: {message.body}"
    return match.group(1)


def outbox_to(address: str) -> list:
    return [m for m in mail.outbox if address in m.to]

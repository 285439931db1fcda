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


def press_confirm(client, path: str):
    """What a reader does with a confirmation link: open the page, then press its
    one button, a form that posts back to the same address."""
    page = client.get(path)
    assert page.status_code == 200, page.status_code
    assert f'<form method="post" action="{path}"' in page.content.decode()
    return client.post(path)

"""Email backends that misbehave on purpose, for the sending tests."""

import smtplib

from django.core.mail.backends.locmem import EmailBackend


class Trouble:
    """Shared switches: set them in a test, reset by the fixture."""

    down = False  # the server refuses connections
    messages_until_disconnect: int | None = None  # then the connection drops
    refuse: dict[str, int] = {}  # recipient -> SMTP code
    crash: set[str] = set()  # recipients whose message raises an unexpected error
    connections_opened = 0

    @classmethod
    def reset(cls) -> None:
        cls.down = False
        cls.messages_until_disconnect = None
        cls.refuse = {}
        cls.crash = set()
        cls.connections_opened = 0


class TroubledBackend(EmailBackend):
    def open(self):
        if Trouble.down:
            raise ConnectionRefusedError("Connection refused")
        Trouble.connections_opened += 1
        return True

    def send_messages(self, messages):
        for message in messages:
            if Trouble.messages_until_disconnect is not None:
                if Trouble.messages_until_disconnect <= 0:
                    raise smtplib.SMTPServerDisconnected(
                        "Connection unexpectedly closed"
                    )
                Trouble.messages_until_disconnect -= 1
            for recipient in message.to:
                if recipient in Trouble.crash:
                    raise UnicodeEncodeError("ascii", recipient, 0, 1, "boom")
                if recipient in Trouble.refuse:
                    code = Trouble.refuse[recipient]
                    raise smtplib.SMTPRecipientsRefused(
                        {recipient: (code, b"Mailbox unavailable")}
                    )
        return super().send_messages(messages)

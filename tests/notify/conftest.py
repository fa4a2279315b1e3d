import pytest

from tests.notify.notify_service import NotifyService
from tests.notify.push_service import PushService


@pytest.fixture
def push_service():
    service = PushService()
    yield service
    service.close()


@pytest.fixture
def notify_service():
    service = NotifyService()
    yield service
    service.close()


class Mailbox:
    """aiosmtpd on loopback: a real SMTP server that keeps what it receives, and refuses
    the recipients it is told to (550 for good, 451 for now)."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.messages: list = []
        self.refuse: dict[str, str] = {}
        box = self

        class Handler:
            async def handle_RCPT(self, server, session, envelope, address, options):  # noqa: N802
                if address in box.refuse:
                    return box.refuse[address]
                envelope.rcpt_tos.append(address)
                return "250 OK"

            async def handle_DATA(self, server, session, envelope):  # noqa: N802
                from email import message_from_bytes, policy

                box.messages.append(message_from_bytes(envelope.content, policy=policy.default))
                return "250 Message accepted"

        import socket

        with socket.socket() as probe:  # a free port (aiosmtpd cannot start on port 0)
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def close(self) -> None:
        self.controller.stop()


@pytest.fixture
def mailbox():
    box = Mailbox()
    yield box
    box.close()

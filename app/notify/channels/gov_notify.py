"""GOV.UK Notify through its own client (`notifications-python-client`), which signs each
request with a fresh JWT (HS256 with the key's secret, `iss` = the service id). The client
does no retries: the outbox worker owns retries and timing. Answers are sorted the way the
push sender sorts them: sent, retry (429, 5xx, no answer), gone (Notify says the number or
address itself is wrong) and refused (403: our key; other 4xx)."""

import logging
from dataclasses import dataclass

from notifications_python_client.errors import APIError
from notifications_python_client.notifications import NotificationsAPIClient

log = logging.getLogger("next_steps.notify")


@dataclass(frozen=True)
class Answer:
    outcome: str  # "sent", "retry", "gone", "refused"
    status: int | None = None
    ref: str | None = None  # Notify's id for the message
    error: str | None = None


def classify(error: APIError) -> Answer:
    status = error.status_code
    if status == 429 or status >= 500:
        return Answer("retry", status, error=f"notify_{status}")
    text = str(error.message).lower()
    if status == 400 and ("phone_number" in text or "email_address" in text):
        return Answer("gone", status, error="invalid_address")
    if status == 403:
        log.error(
            "NOTIFY REFUSED (403): GOV.UK Notify does not accept our API key. Check "
            "NOTIFY_API_KEY (and that the server's clock is right: tokens live 30 s)."
        )
    return Answer("refused", status, error=f"notify_{status}")


class Notify:
    """One Notify service (one API key), shared by the text and email channels."""

    def __init__(self, api_key: str, *, base_url: str, timeout: float) -> None:
        self.client = NotificationsAPIClient(api_key, base_url=base_url, timeout=timeout)
        self.client.request_session.trust_env = False  # no proxy from the environment

    def _send(self, call, **kwargs) -> Answer:
        try:
            answer = call(**kwargs)
        except APIError as error:
            return classify(error)
        return Answer("sent", 201, ref=str(answer.get("id") or "")[:64] or None)

    def sms(self, *, number: str, template_id: str, body: str, reference: str) -> Answer:
        return self._send(
            self.client.send_sms_notification, phone_number=number, template_id=template_id,
            personalisation={"body": body}, reference=reference,
        )  # fmt: skip

    def email(
        self, *, address: str, template_id: str, subject: str, body: str, reference: str
    ) -> Answer:
        return self._send(
            self.client.send_email_notification, email_address=address,
            template_id=template_id, personalisation={"subject": subject, "body": body},
            reference=reference,
        )  # fmt: skip

"""Email through any SMTP server (smtplib), for organisations that cannot use Notify.
Temporary refusals (4xx), lost connections and timeouts are retried by the worker; a
mailbox refused for good (5xx for the recipient) stops the email channel for that address."""

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import make_msgid

from app.notify.channels.gov_notify import Answer


class Smtp:
    def __init__(
        self, *, host: str, port: int, user: str, password: str, sender: str, tls: str,
        timeout: float,
    ) -> None:  # fmt: skip
        self.host, self.port, self.user, self.password = host, port, user, password
        self.sender, self.tls, self.timeout = sender, tls, timeout

    def _connect(self) -> smtplib.SMTP:
        if self.tls == "tls":
            return smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout, context=ssl.create_default_context()
            )
        connection = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        if self.tls == "starttls":
            connection.starttls(context=ssl.create_default_context())
        return connection

    def email(self, *, address: str, subject: str, plain: str, html: str, lang: str) -> Answer:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self.sender, address, subject
        message["Message-ID"] = make_msgid(domain=self.sender.rpartition("@")[2].strip("> "))
        message.set_content(plain)
        message.add_alternative(html, subtype="html")
        message["Content-Language"] = lang  # after the content, which clears Content-*
        try:
            with self._connect() as connection:
                if self.user:
                    connection.login(self.user, self.password)
                connection.send_message(message)
        except smtplib.SMTPRecipientsRefused as error:
            code = next(iter(error.recipients.values()))[0]
            if 400 <= code < 500:
                return Answer("retry", code, error=f"smtp_{code}")
            return Answer("gone", code, error="mailbox_refused")
        except smtplib.SMTPResponseException as error:
            code = error.smtp_code
            if 400 <= code < 500:
                return Answer("retry", code, error=f"smtp_{code}")
            return Answer("refused", code, error=f"smtp_{code}")
        except (smtplib.SMTPException, OSError) as error:
            return Answer("retry", error=type(error).__name__[:40])
        return Answer("sent", 250, ref=message["Message-ID"].strip("<>")[:64])

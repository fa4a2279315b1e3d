"""Email, through GOV.UK Notify (its email template) or any SMTP server: in the person's
language, plain text and simple HTML, no images and nothing that tracks."""

import datetime as dt

from sqlmodel import Session

from app.forms import N_
from app.i18n import locale_info
from app.notify import addresses, wording
from app.notify.channels import Delivery
from app.notify.channels.gov_notify import Notify
from app.notify.channels.smtp import Smtp
from app.notify.channels.text import delivered
from app.notify.models import AddressKind, OutboxMessage

OPEN_LABEL = N_("Open Next Steps")


class EmailChannel:
    name = "email"
    languages = None  # any: the person's own

    def __init__(
        self, *, notify: Notify | None = None, template_id: str = "", smtp: Smtp | None = None,
        origin: str, max_attempts: int,
    ) -> None:  # fmt: skip
        self.notify, self.template_id, self.smtp = notify, template_id, smtp
        self.origin, self.max_attempts = origin.rstrip("/"), max_attempts

    def send_email(self, *, address: str, subject: str, plain: str, html: str, lang: str,
                   reference: str):  # fmt: skip
        if self.smtp is not None:
            return self.smtp.email(
                address=address, subject=subject, plain=plain, html=html, lang=lang
            )
        return self.notify.email(
            address=address, template_id=self.template_id, subject=subject, body=plain,
            reference=reference,
        )  # fmt: skip

    def send(
        self, session: Session, *, message: OutboxMessage, words: wording.Message, now: dt.datetime
    ) -> Delivery:
        """One email to the person's confirmed address."""
        address = addresses.usable(session, user_id=message.user_id, kind=AddressKind.email)
        if address is None:
            return Delivery(skipped="no_email")
        link = f"{self.origin}{words.url}" if self.origin else ""
        label = locale_info(words.lang).translations.gettext(OPEN_LABEL)
        subject, plain, html = wording.email(words, link=link, open_label=label)
        answer = self.send_email(
            address=address.value, subject=subject, plain=plain, html=html, lang=words.lang,
            reference=str(message.id),
        )  # fmt: skip
        return delivered(session, answer, message=message, address=address, now=now)

"""Form errors that services raise and pages show, in the reader's language.

Services know nothing of HTTP or locales: they raise `FormError` with English message ids
marked by `N_()`, and the page translates them when it renders.
"""

from dataclasses import dataclass, field


def N_(message: str) -> str:  # noqa: N802 - the gettext convention for "translate later"
    """Marks a message for extraction; it is translated where it is shown."""
    return message


@dataclass
class Message:
    """A message id and the values it is formatted with after translation."""

    text: str
    values: dict = field(default_factory=dict)
    plural: str = ""  # with a plural form, values["count"] picks the form

    def translate(self, translations) -> str:
        translated = (
            translations.ngettext(self.text, self.plural, self.values["count"])
            if self.plural
            else translations.gettext(self.text)
        )
        return translated % self.values if self.values else translated


class FormError(Exception):
    """One or more fields were wrong; nothing was changed."""

    def __init__(self, errors: dict[str, str | Message]) -> None:
        super().__init__(", ".join(errors))
        self.errors = {
            name: message if isinstance(message, Message) else Message(message)
            for name, message in errors.items()
        }

    def translated(self, translations) -> dict[str, str]:
        return {name: message.translate(translations) for name, message in self.errors.items()}

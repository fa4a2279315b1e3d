"""UK phone numbers in running text, found so that a parent can tap to call them.

A frightened parent on a phone should not have to copy "0808 801 0366" by hand. Full
numbers (0 then 10 or 11 digits, spaced any usual way, or +44) are safe to spot; the short
ones (999, 111, 112, 119, 116 xxx) are spotted only where nothing says they are a section,
a page, an amount or a count ("section 111", "£999", "111 days").
"""

import re
from collections.abc import Iterator

from markupsafe import Markup, escape

_FULL = r"(?:\+44\s?(?:\(0\)\s?)?|0)\d{2,4}(?:[ \u00a0]?\d{2,4}){1,3}"
_SHORT = r"116[ \u00a0]?\d{3}|999|111|112|119"
PHONE = re.compile(
    rf"(?<![\w£$€%+./:,-])(?P<number>{_FULL}|{_SHORT})(?![\w%]|[./:,-]\d)",
    re.UNICODE,
)
#: Words just before a short number that say it is not a phone number.
_NOT_BEFORE = re.compile(
    r"(?:section|sections|s\.|ss\.|regulation|reg\.|rule|paragraph|para\.?|page|pages|part|"
    r"schedule|article|chapter|no\.|number of|room|flat|house|bus|route)\s*$",
    re.IGNORECASE,
)
#: Words just after a number that say it counts something.
_NOT_AFTER = re.compile(
    r"^\s*(?:days?|weeks?|months?|years?|hours?|minutes?|pages?|people|parents|children|"
    r"babies|times|per ?cent|percent|%)\b",
    re.IGNORECASE,
)


def _digits(number: str) -> str:
    plus = "+" if number.startswith("+") else ""
    digits = re.sub(r"\D", "", number)
    if plus and "(0)" in number:
        digits = digits.replace("440", "44", 1)
    return plus + digits


def _is_phone(text: str, match: re.Match) -> bool:
    number = match.group("number")
    count = len(_digits(number).lstrip("+"))
    if number.startswith("+"):
        return 11 <= count <= 12
    if number.startswith("0"):
        return count in (10, 11)
    before, after = text[: match.start()], text[match.end() :]
    return not _NOT_BEFORE.search(before) and not _NOT_AFTER.match(after)


def find_phones(text: str) -> Iterator[tuple[int, int, str]]:
    """Each phone number in `text`: its start, its end and the `tel:` address to call."""
    for match in PHONE.finditer(text):
        if _is_phone(text, match):
            yield match.start(), match.end(), "tel:" + _digits(match.group("number"))


_TAG = re.compile(r"(<[^>]*>)")


def link_phones(text: str) -> Markup:
    """`text` escaped, with every phone number in it a tap-to-call link.

    Markup (a translated sentence holding a link) keeps its tags; numbers are looked for
    only in its text, and never inside a link it already has."""
    if isinstance(text, Markup):
        parts, in_link = [], False
        for piece in _TAG.split(str(text)):
            if piece.startswith("<"):
                name = piece[1:-1].split(None, 1)[0].lower() if len(piece) > 2 else ""
                if name in ("a", "/a"):
                    in_link = name == "a"
                parts.append(Markup(piece))
            elif in_link:
                parts.append(Markup(piece))
            else:
                parts.append(_link_plain(Markup(piece).unescape()))
        return Markup("").join(parts)
    return _link_plain(text)


def _link_plain(text: str) -> Markup:
    out, last = [], 0
    for start, end, href in find_phones(text):
        out.append(escape(text[last:start]))
        out.append(Markup('<a href="{}" class="tel">{}</a>').format(href, text[start:end]))
        last = end
    out.append(escape(text[last:]))
    return Markup("").join(out)

"""The facts a translation must keep word for word: numbers, dates' numbers, phone numbers,
links and glossary marks.

A translator may reorder a sentence or repeat a fact ("Children Act 1989 (Deddf Plant
1989)"), so facts are compared as sets: none lost, none added. Digits in any script count
as the same number ("٤٥" is 45), and a number's grouping is not a fact ("1,000", "1.000"
and "1 000" are one number). Month and weekday names are words, translated like any
other; the day and year of a date are numbers and kept. Where the English spells a number
("six weeks") the translation may write it in digits.
"""

import re
import unicodedata
from collections import Counter

from app.explainers.phones import PHONE, _digits

#: A Markdown link's target, an address written out, or translate-toolkit's {1} placeholder
#: that stands for a link the translator must keep.
_LINK = re.compile(r"\]\((?P<target>[^)\s]+)\)")
_URL = re.compile(r"(?<![(\w])(?P<url>https?://[^\s)>\]]*[^\s)>\].,;:!?])")
_PLACEHOLDER = re.compile(r"\{(?P<index>\d+)\}")
_TERM = re.compile(r"\[\[(?P<slug>[a-z0-9-]+)(?:\|[^\]\n]*)?\]\]")
_NUMBER = re.compile(r"\d+(?:[.,\u00a0\u202f ]\d{3})*(?:[.,]\d+)?")


def _ascii_digits(text: str) -> str:
    """Digits of any script as 0-9, so an Arabic, Bengali or Gujarati number compares."""
    return "".join(
        str(unicodedata.digit(char)) if char.isdigit() and not char.isascii() else char
        for char in text
    )


def facts(text: str) -> Counter[str]:
    """Each fact in a piece of text, as `kind:value`, counted."""
    found: Counter[str] = Counter()
    text = _ascii_digits(unicodedata.normalize("NFKC", text))

    def take(pattern: re.Pattern, kind: str, group: str):
        nonlocal text

        def replace(match: re.Match) -> str:
            found[f"{kind}:{match.group(group)}"] += 1
            return " "

        text = pattern.sub(replace, text)

    take(_LINK, "link", "target")
    take(_URL, "link", "url")
    take(_PLACEHOLDER, "link", "index")
    take(_TERM, "term", "slug")
    for match in PHONE.finditer(text):
        number = match.group("number")
        if number.startswith(("0", "+")) and len(_digits(number).lstrip("+")) >= 10:
            found[f"phone:{_digits(number)}"] += 1
            text = text.replace(number, " ", 1)
    for match in _NUMBER.finditer(text):
        digits = re.sub(r"\D", "", match.group())
        found[f"number:{digits.lstrip('0') or '0'}"] += 1
    return found


_SPELLED = {
    word: number
    for number, word in enumerate(
        [
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
        ]
    )
} | {"fifteen": 15, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "hundred": 100}
_WORD = re.compile(r"\b(" + "|".join(_SPELLED) + r")\b", re.IGNORECASE)


def differences(english: str, translated: str) -> list[str]:
    """What a translation lost or added against its English, in words; empty if it agrees."""
    want, have = set(facts(english)), set(facts(translated))
    spelled = {f"number:{_SPELLED[word.lower()]}" for word in _WORD.findall(english)}
    problems = []
    for fact in sorted(want - have):
        problems.append(f"{_describe(fact)} is missing")
    for fact in sorted(have - want - spelled):
        problems.append(f"{_describe(fact)} is not in the English")
    return problems


def _describe(fact: str) -> str:
    kind, value = fact.split(":", 1)
    shown = f"{{{value}}}" if kind == "link" and value.isdigit() else value
    return f"{_KINDS[kind]} {shown}"


_KINDS = {"link": "link", "term": "glossary mark", "phone": "phone number", "number": "number"}

"""Search over explainers and the glossary, forgiving of misspelt common terms.

Each query word matches a word of the text exactly, by prefix, or by spelling likeness
(difflib); glossary terms and their other names ("sec 47", "s47") match as phrases.
"""

import difflib
import re
from dataclasses import dataclass

from app.explainers.content import Content

WORD = re.compile(r"[^\W_]+", re.UNICODE)
STOP = {"a", "an", "and", "the", "of", "to", "in", "is", "my", "i", "what", "it", "be", "for"}
WEIGHTS = {"title": 6.0, "names": 6.0, "summary": 3.0, "body": 1.0}


def words(text: str) -> list[str]:
    return [w for w in WORD.findall(text.casefold()) if w not in STOP]


@dataclass(frozen=True)
class Hit:
    kind: str  # "explainer" or "glossary"
    slug: str
    title: str
    summary: str
    score: float
    locale: str = "en"  # the language of the title and summary


@dataclass(frozen=True)
class Results:
    """The best hits, and how many matched in all (more than `hits` when capped)."""

    hits: list[Hit]
    total: int

    @property
    def capped(self) -> bool:
        return self.total > len(self.hits)


@dataclass
class _Document:
    kind: str
    slug: str
    title: str
    summary: str
    fields: dict[str, set[str]]
    phrases: list[str]  # glossary names and other names, normalised
    locale: str = "en"


_SOUNDS = [
    (re.compile(r"ction"), "cion"),
    (re.compile(r"(t|s|c|ss)?(ion|ian|ien|shun|shon|shen|shan|chun|tian)"), "shn"),
    (re.compile(r"ph"), "f"),
    (re.compile(r"ck|q"), "k"),
    (re.compile(r"(.)\1"), r"\1"),
]


def sounds_like(word: str) -> str:
    """A rough spoken form, so that "protecshun" and "protection" meet."""
    for pattern, replacement in _SOUNDS:
        word = pattern.sub(replacement, word)
    return word


def _phrase(text: str) -> str:
    return " ".join(WORD.findall(text.casefold()))


class SearchIndex:
    """An in-memory index of one locale's content, built at start-up."""

    def __init__(self, content: Content, locale: str) -> None:
        self.documents: list[_Document] = []
        self.locale = locale
        local = content.locales.get(locale, content.english)
        slugs = set(content.english.explainers) | set(local.explainers)
        for slug in sorted(slugs):
            explainer = content.explainer(locale, slug)
            meta = explainer.meta
            self.documents.append(
                _Document(
                    "explainer",
                    slug,
                    meta.title,
                    meta.summary,
                    {
                        "title": set(words(meta.title)),
                        "summary": set(words(meta.summary)),
                        "body": set(words(explainer.text)),
                    },
                    [],
                    explainer.locale,
                )
            )
        for slug in sorted(set(content.english.glossary) | set(local.glossary)):
            entry = content.glossary_entry(locale, slug)
            names = [entry.meta.term, *entry.meta.also]
            self.documents.append(
                _Document(
                    "glossary",
                    slug,
                    entry.meta.term,
                    entry.meta.short,
                    {
                        "names": {w for name in names for w in words(name)},
                        "summary": set(words(entry.meta.short)),
                        "body": set(words(entry.text)),
                    },
                    [_phrase(name) for name in names],
                    entry.locale,
                )
            )
        self.vocabulary = sorted({w for d in self.documents for f in d.fields.values() for w in f})
        self.by_sound: dict[str, list[str]] = {}
        for known in self.vocabulary:
            self.by_sound.setdefault(sounds_like(known), []).append(known)

    def _expand(self, word: str) -> dict[str, float]:
        """Words of the index this query word may mean, each with how sure we are."""
        matches = {word: 1.0}
        if len(word) >= 3:
            for known in self.vocabulary:
                if known.startswith(word) and known != word:
                    matches.setdefault(known, 0.8)
        if len(word) >= 4:
            for known in self.by_sound.get(sounds_like(word), []):
                matches.setdefault(known, 0.7)
            for known in difflib.get_close_matches(word, self.vocabulary, n=4, cutoff=0.7):
                matches.setdefault(known, 0.6)
        return matches

    def search(self, query: str, *, limit: int = 20) -> Results:
        """The best matches for a query, best first, at most `limit`, with the full count."""
        query_words = words(query)
        phrase = _phrase(query)
        if not query_words:
            return Results([], 0)
        expanded = [self._expand(word) for word in query_words]
        hits = []
        for doc in self.documents:
            score = 0.0
            for options in expanded:
                best = 0.0
                for field_name, field_words in doc.fields.items():
                    for candidate, certainty in options.items():
                        if candidate in field_words:
                            best = max(best, WEIGHTS[field_name] * certainty)
                score += best
            if phrase in doc.phrases:
                score += 20.0
            elif len(query_words) > 1 and any(f" {phrase} " in f" {p} " for p in doc.phrases):
                score += 10.0
            # Every word should count for something; a document matching one word of three is weak.
            matched = sum(
                1
                for options in expanded
                if any(c in w for w in doc.fields.values() for c in options)
            )
            if matched == 0:
                continue
            score *= matched / len(expanded)
            hits.append(Hit(doc.kind, doc.slug, doc.title, doc.summary, score, doc.locale))
        # Best first; between equals, what is in the reader's language before English.
        hits.sort(key=lambda hit: (-hit.score, hit.locale != self.locale, hit.kind, hit.title))
        return Results(hits[:limit], len(hits))

"""Markdown to HTML for explainers: glossary terms as in-place disclosures, site links by slug,
phone numbers as tap-to-call links.

Raw HTML in content is never passed through. Rendering also reports every glossary term
and site link it met, so the loader can check that each one exists.
"""

import re
from dataclasses import dataclass, field

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from markupsafe import escape

from app.explainers.phones import find_phones, link_phones
from app.explainers.schema import TERM_MARK

SITE_SCHEMES = {"explainer": "explainers", "pathway": "pathway", "glossary": "glossary"}


@dataclass
class RenderEnv:
    """What rendering needs (locale, glossary one-liners) and what it found."""

    locale: str
    definitions: dict[str, tuple[str, str]]  # slug -> (term, one-line meaning)
    more_label: str = "More about this word"
    #: Terms whose definition is in English because this locale has none yet: marked so.
    english_terms: frozenset[str] = frozenset()
    terms_used: list[str] = field(default_factory=list)
    disclosed: set[str] = field(default_factory=set)
    links: list[tuple[str, str]] = field(default_factory=list)  # (scheme, slug)
    headings: list[tuple[str, str]] = field(default_factory=list)  # (id, text) of each h2, h3
    bad_links: list[str] = field(default_factory=list)


def _glossary_term(state: StateInline, silent: bool) -> bool:
    if not state.src.startswith("[[", state.pos):
        return False
    match = TERM_MARK.match(state.src, state.pos)
    if not match:
        return False
    if not silent:
        token = state.push("glossary_term", "", 0)
        token.meta = {"slug": match.group(1), "text": match.group(2)}
    state.pos = match.end()
    return True


#: Words that keep their capital inside a sentence.
_PROPER = {"Cafcass", "Pause", "England", "Wales", "Welsh", "English", "Cymru", "NHS"}
_QUALIFIER = re.compile(r"\s*\([^)]*\)\s*$")
_SENTENCE_END = re.compile(r"(?:^|[.?!:]\s*|\n\s*)$")


def in_sentence(term: str) -> str:
    """A glossary title as it reads inside a sentence: "Social worker" → "social worker".

    Names keep their capitals ("Public Law Outline", "Cafcass", "DNA test"), and a
    qualifier such as "(Wales)" is left to the definition."""
    words = _QUALIFIER.sub("", term).split()
    if not words:
        return term
    first = words[0]
    long_words = [w for w in words if len(w) > 3]
    name = len(long_words) > 1 and all(w[0].isupper() for w in long_words)
    acronym = sum(ch.isupper() for ch in first) > 1
    if name or acronym or first in _PROPER or not first[:1].isupper():
        return " ".join(words)
    return " ".join([first[0].lower() + first[1:], *words[1:]])


def _starts_sentence(tokens, idx) -> bool:
    before = "".join(t.content for t in tokens[:idx] if t.type in ("text", "phone"))
    breaks = [i for i, t in enumerate(tokens[:idx]) if t.type in ("softbreak", "hardbreak")]
    if breaks:
        start = breaks[-1] + 1
        before = "".join(t.content for t in tokens[start:idx] if t.type in ("text", "phone"))
        return False if before.strip() else _ends_sentence(tokens[: breaks[-1]])
    return not before.strip() or bool(_SENTENCE_END.search(before))


def _ends_sentence(tokens) -> bool:
    text = "".join(t.content for t in tokens if t.type in ("text", "phone")).rstrip()
    return not text or text[-1] in ".?!:"


def _render_term(self, tokens, idx, options, md_env) -> str:
    env: RenderEnv = md_env["ctx"]
    slug = tokens[idx].meta["slug"]
    env.terms_used.append(slug)
    term, meaning = env.definitions.get(slug, (slug, ""))
    shown = tokens[idx].meta["text"]
    english = slug in env.english_terms
    english_word = english and not shown
    if not shown:
        # The word as the sentence has it: lower case mid-sentence, a capital to start one.
        shown = in_sentence(term)
        if _starts_sentence(tokens, idx):
            shown = shown[:1].upper() + shown[1:]
    # Explained in place where it first appears in running text; plain words after that
    # and in headings (a heading may only hold phrasing content).
    if tokens[idx].meta.get("in_heading") or slug in env.disclosed:
        return str(escape(shown))
    env.disclosed.add(slug)
    word, meaning = escape(shown), link_phones(meaning)
    if english_word:
        word = f'<span lang="en" dir="ltr">{word}</span>'
    if english:
        meaning = f'<span lang="en" dir="ltr">{meaning}</span>'
    return (
        f'<details class="term"><summary class="term__word">{word}</summary>'
        f'<span class="term__meaning">{meaning} '
        f'<a href="/{env.locale}/glossary/{slug}">{escape(env.more_label)}</a></span></details>'
    )


def _render_link_open(self, tokens, idx, options, md_env) -> str:
    env: RenderEnv = md_env["ctx"]
    token = tokens[idx]
    href = token.attrGet("href") or ""
    scheme, _, slug = href.partition(":")
    if scheme in SITE_SCHEMES:
        env.links.append((scheme, slug))
        token.attrSet("href", f"/{env.locale}/{SITE_SCHEMES[scheme]}/{slug}")
    elif href.startswith("https://"):
        token.attrSet("rel", "noreferrer")
    else:
        env.bad_links.append(href)
    return self.renderToken(tokens, idx, options, md_env)


def _render_paragraph_open(self, tokens, idx, options, env) -> str:
    # A <details> may not sit inside a <p>; paragraphs holding a term become divs.
    inline = tokens[idx + 1]
    if inline.children and any(child.type == "glossary_term" for child in inline.children):
        tokens[idx].tag = "div"
        tokens[idx].attrSet("class", "para")
        # the matching close tag is two tokens on
        tokens[idx + 2].tag = "div"
    return self.renderToken(tokens, idx, options, env)


_NOT_ID = re.compile(r"[^\w]+", re.UNICODE)


def _heading_ids(state) -> None:
    """An id on each section heading, from its words, so a page can link to a section
    ("free advice in Wales"); the same words give the same id each time."""
    env: RenderEnv = state.env["ctx"]
    seen = {heading_id for heading_id, _ in env.headings}
    for heading, inline in zip(state.tokens, state.tokens[1:], strict=False):
        if heading.type != "heading_open" or heading.tag not in ("h2", "h3"):
            continue
        text = "".join(
            (child.meta["text"] or child.meta["slug"].replace("-", " "))
            if child.type == "glossary_term"
            else child.content
            for child in inline.children or []
        )
        base = _NOT_ID.sub("-", text.casefold()).strip("-_") or "section"
        heading_id, n = base, 1
        while heading_id in seen:
            n += 1
            heading_id = f"{base}-{n}"
        seen.add(heading_id)
        heading.attrSet("id", heading_id)
        env.headings.append((heading_id, text))


def _mark_terms_in_headings(state) -> None:
    for previous, token in zip(state.tokens, state.tokens[1:], strict=False):
        if previous.type == "heading_open" and token.type == "inline":
            for child in token.children or []:
                if child.type == "glossary_term":
                    child.meta["in_heading"] = True


def _phone_links(state) -> None:
    """Every phone number in running text becomes a tap-to-call link (not inside a link)."""
    for block in state.tokens:
        if block.type != "inline" or not block.children:
            continue
        children, depth = [], 0
        for child in block.children:
            if child.type == "link_open":
                depth += 1
            elif child.type == "link_close":
                depth -= 1
            if child.type != "text" or depth:
                children.append(child)
                continue
            last = 0
            for start, end, href in find_phones(child.content):
                if start > last:
                    children.append(_text(child.content[last:start]))
                phone = Token("phone", "a", 0)
                phone.content, phone.meta = child.content[start:end], {"href": href}
                children.append(phone)
                last = end
            children.append(child if last == 0 else _text(child.content[last:]))
        block.children = [c for c in children if c.type != "text" or c.content]


def _text(content: str) -> Token:
    token = Token("text", "", 0)
    token.content = content
    return token


def _render_phone(self, tokens, idx, options, md_env) -> str:
    token = tokens[idx]
    return f'<a href="{escape(token.meta["href"])}" class="tel">{escape(token.content)}</a>'


def make_markdown() -> MarkdownIt:
    """CommonMark without raw HTML, plus [[term]] marks and slug links."""
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.disable("image")
    md.inline.ruler.before("link", "glossary_term", _glossary_term)
    md.core.ruler.push("terms_in_headings", _mark_terms_in_headings)
    md.core.ruler.push("phone_links", _phone_links)
    md.core.ruler.push("heading_ids", _heading_ids)
    renderer: RendererHTML = md.renderer
    renderer.rules["glossary_term"] = _render_term.__get__(renderer)
    renderer.rules["link_open"] = _render_link_open.__get__(renderer)
    renderer.rules["paragraph_open"] = _render_paragraph_open.__get__(renderer)
    renderer.rules["phone"] = _render_phone.__get__(renderer)
    return md


MARKDOWN = make_markdown()


def render_markdown(source: str, env: RenderEnv) -> str:
    """HTML for a Markdown body; `env` collects the terms and links it used."""
    return MARKDOWN.render(source, {"ctx": env})

"""Markdown to HTML for explainers: glossary terms as in-place disclosures, site links by slug.

Raw HTML in content is never passed through. Rendering also reports every glossary term
and site link it met, so the loader can check that each one exists.
"""

from dataclasses import dataclass, field

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.rules_inline import StateInline
from markupsafe import escape

from app.explainers.schema import TERM_MARK

SITE_SCHEMES = {"explainer": "explainers", "pathway": "pathway", "glossary": "glossary"}


@dataclass
class RenderEnv:
    """What rendering needs (locale, glossary one-liners) and what it found."""

    locale: str
    definitions: dict[str, tuple[str, str]]  # slug -> (term, one-line meaning)
    more_label: str = "More about this word"
    terms_used: list[str] = field(default_factory=list)
    disclosed: set[str] = field(default_factory=set)
    links: list[tuple[str, str]] = field(default_factory=list)  # (scheme, slug)
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


def _render_term(self, tokens, idx, options, md_env) -> str:
    env: RenderEnv = md_env["ctx"]
    slug = tokens[idx].meta["slug"]
    env.terms_used.append(slug)
    term, meaning = env.definitions.get(slug, (slug, ""))
    shown = tokens[idx].meta["text"] or term
    # Explained in place where it first appears in running text; plain words after that
    # and in headings (a heading may only hold phrasing content).
    if tokens[idx].meta.get("in_heading") or slug in env.disclosed:
        return str(escape(shown))
    env.disclosed.add(slug)
    return (
        f'<details class="term"><summary class="term__word">{escape(shown)}</summary>'
        f'<span class="term__meaning">{escape(meaning)} '
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


def _mark_terms_in_headings(state) -> None:
    for previous, token in zip(state.tokens, state.tokens[1:], strict=False):
        if previous.type == "heading_open" and token.type == "inline":
            for child in token.children or []:
                if child.type == "glossary_term":
                    child.meta["in_heading"] = True


def make_markdown() -> MarkdownIt:
    """CommonMark without raw HTML, plus [[term]] marks and slug links."""
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.disable("image")
    md.inline.ruler.before("link", "glossary_term", _glossary_term)
    md.core.ruler.push("terms_in_headings", _mark_terms_in_headings)
    renderer: RendererHTML = md.renderer
    renderer.rules["glossary_term"] = _render_term.__get__(renderer)
    renderer.rules["link_open"] = _render_link_open.__get__(renderer)
    renderer.rules["paragraph_open"] = _render_paragraph_open.__get__(renderer)
    return md


MARKDOWN = make_markdown()


def render_markdown(source: str, env: RenderEnv) -> str:
    """HTML for a Markdown body; `env` collects the terms and links it used."""
    return MARKDOWN.render(source, {"ctx": env})

"""Markdown bodies as plain sentences, for search and for measuring reading age."""

from markdown_it import MarkdownIt

from app.explainers.schema import TERM_MARK

_md = MarkdownIt("commonmark")


def plain_text(body: str) -> str:
    """The body as sentences of plain text: markup removed, every block closed with a stop."""
    body = TERM_MARK.sub(lambda m: m.group(2) or m.group(1).replace("-", " "), body)
    blocks: list[str] = []
    for token in _md.parse(body):
        if token.type != "inline":
            continue
        text = "".join(
            " " if child.type in ("softbreak", "hardbreak") else child.content
            for child in token.children or []
            if child.type in ("text", "code_inline", "softbreak", "hardbreak")
        ).strip()
        if not text:
            continue
        if text[-1] not in ".?!:":
            text += "."
        blocks.append(text)
    return "\n".join(blocks)

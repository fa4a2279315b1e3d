"""QR codes for share packs, drawn as SVG on our server (segno), never by another site."""

import io

import segno
from markupsafe import Markup


def qr_svg(address: str) -> Markup:
    """An inline SVG of the address as a QR code: scales to any size, prints sharply, and
    needs no request of its own, so it is there offline with the page."""
    code = segno.make(address, error="m")
    out = io.BytesIO()
    code.save(
        out, kind="svg", xmldecl=False, svgns=True, nl=False, omitsize=True, border=4,
        svgclass="qr__image", lineclass=None, title=None,
    )  # fmt: skip
    svg = out.getvalue().decode()
    # Hidden from assistive technology: the caption beside it gives the same link in words.
    return Markup(svg.replace("<svg ", '<svg aria-hidden="true" focusable="false" ', 1))

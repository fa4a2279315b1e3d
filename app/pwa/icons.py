"""Draws the app icons (PNG, no image library needed): `python -m app.pwa.icons`.

Three stepping stones rising to the right, white on the brand teal. The maskable icon keeps
them inside the safe circle (the middle 80%) so any mask shape leaves them whole.
"""

import struct
import zlib
from pathlib import Path

TEAL = (0x1D, 0x4D, 0x4F)
WHITE = (0xFF, 0xFF, 0xFF)
ICONS = Path(__file__).resolve().parent.parent.parent / "static" / "icons"


def png(width: int, height: int, pixel) -> bytes:
    rows = b"".join(
        b"\x00" + b"".join(bytes(pixel(x, y)) for x in range(width)) for y in range(height)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )


def stones(size: int, scale: float):
    """A pixel function: three circles rising left to right, within `scale` of the icon."""
    centre = size / 2
    radius = size * 0.11 * scale
    spots = [(-0.28, 0.22), (0.0, 0.0), (0.28, -0.22)]
    circles = [(centre + dx * size * scale, centre + dy * size * scale) for dx, dy in spots]

    def pixel(x: int, y: int):
        for cx, cy in circles:
            if (x + 0.5 - cx) ** 2 + (y + 0.5 - cy) ** 2 <= radius**2:
                return WHITE
        return TEAL

    return pixel


def main() -> None:
    ICONS.mkdir(parents=True, exist_ok=True)
    for size in (192, 512):
        (ICONS / f"icon-{size}.png").write_bytes(png(size, size, stones(size, 1.0)))
    (ICONS / "maskable-512.png").write_bytes(png(512, 512, stones(512, 0.7)))


if __name__ == "__main__":
    main()

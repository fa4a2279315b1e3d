"""Reading letters: the drawn letter set (tests/letters/letter_set.py) through our reader.

Prints the share of fields read right (aim: 95 % or more of dates and times, 90 % or more
of places), our time per page (opening, cleaning, Tesseract in English and, where there is
Welsh, again in both, and finding the appointment), and the ratio to the `tesseract`
command alone on the same images in the same run (PDFs drawn to PNG by poppler's
`pdftoppm` first, counted in the baseline).
"""

import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from app.letters import service as letters
from tests.letters.letter_set import PAGE_BREAK, draw, no_meeting_plo
from tests.letters.letter_set import letters as letter_set

FIELDS = ("date", "start", "end", "place", "agency", "guide")


def _squash(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.casefold())


def _ours(data: bytes):
    started = time.perf_counter()
    reading = letters.read_letter(data)
    return reading, time.perf_counter() - started


def _tesseract_alone(data: bytes, content_type: str, folder: Path) -> float:
    """The command-line tool on the same image (a PDF drawn to PNG by pdftoppm first)."""
    source = folder / ("letter.pdf" if content_type == "application/pdf" else "letter.img")
    source.write_bytes(data)
    started = time.perf_counter()
    images = [source]
    if content_type == "application/pdf":
        subprocess.run(["pdftoppm", "-r", "300", "-gray", "-png", str(source),
                        str(folder / "page")], check=True)  # fmt: skip
        images = sorted(folder.glob("page*.png"))
    for image in images:
        subprocess.run(["tesseract", str(image), "stdout", "-l", "eng"], check=True,
                       capture_output=True)  # fmt: skip
    took = time.perf_counter() - started
    for image in images:
        if image != source:
            image.unlink()
    return took


def main() -> None:
    if not letters.available() or not shutil.which("tesseract"):
        print("letters: skipped (scripts/letter-deps installs Tesseract)")
        return
    found = letter_set() + [no_meeting_plo(), no_meeting_plo(photo=True)]
    right = dict.fromkeys(FIELDS, 0)
    asked = dict.fromkeys(FIELDS, 0)
    wrong = []
    ours_total = baseline_total = 0.0
    letters.read_letter(draw(found[0])[0])  # start the engines, as a running app has them
    with tempfile.TemporaryDirectory() as folder:
        for letter in found:
            data, content_type = draw(letter)
            reading, took = _ours(data)
            ours_total += took
            baseline_total += _tesseract_alone(data, content_type, Path(folder))
            kind = letters.kind_for(reading.kind)
            pairs = {
                "date": (reading.date, letter.date),
                "start": (reading.start_time, letter.start),
                "end": (reading.end_time, letter.end),
                "place": (_squash(reading.location), _squash(letter.location)),
                "agency": (reading.agency, letter.agency),
                "guide": (kind.guide if kind else "", letter.guide),
            }
            for name, (got, want) in pairs.items():
                asked[name] += 1
                right[name] += got == want
                if got != want:
                    wrong.append(f"  {letter.name}: {name} {got!r}, not {want!r}")
    pages = sum(1 + x.lines.count(PAGE_BREAK) for x in found)
    photos = sum(x.photo for x in found)
    print(f"letters: {len(found)} letters, {pages} pages ({photos} photographed)")
    for name in FIELDS:
        share = 100 * right[name] / asked[name]
        print(f"  {name:7} {right[name]}/{asked[name]} right ({share:.1f} %)")
    print("\n".join(wrong) or "  every field right")
    print(f"  ours {1000 * ours_total / pages:.0f} ms a page; tesseract alone "
          f"{1000 * baseline_total / pages:.0f} ms a page; ratio ours/tesseract "
          f"{ours_total / baseline_total:.2f}")  # fmt: skip

"""`python -m app.translation export|import [--dir DIR] [--content DIR] [LOCALE ...]`.

`make translation-export` and `make translation-import` call this; see app/content/README.md.
"""

import argparse
import sys
from pathlib import Path

from app.settings import Settings
from app.translation.export import export
from app.translation.importer import import_translations

DEFAULT_DIR = Path("translations/export")


def main(argv: list[str] | None = None) -> int:
    settings = Settings()
    parser = argparse.ArgumentParser(prog="python -m app.translation")
    parser.add_argument("action", choices=["export", "import"])
    parser.add_argument("locales", nargs="*", help="languages (default: every one served)")
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR, help="where the PO files are")
    parser.add_argument("--content", type=Path, default=settings.content_dir)
    args = parser.parse_args(argv)
    locales = args.locales or settings.locale_list
    if args.action == "export":
        written = export(args.content, args.dir, locales)
        print(f"Wrote {len(written)} files under {args.dir}/ (one folder per language).")
        return 0
    outcome = import_translations(args.dir, args.content, locales)
    for label, lines in (
        ("Written", outcome.written),
        ("Not fully translated, left as they are", outcome.skipped),
        ("Warnings", outcome.warnings),
        ("REFUSED", outcome.refused),
    ):
        if lines:
            print(f"{label} ({len(lines)}):")
            print("\n".join(f"  {line}" for line in lines))
    print(f"{len(outcome.unchanged)} pages unchanged.")
    return 0 if outcome.ok else 1


if __name__ == "__main__":
    sys.exit(main())

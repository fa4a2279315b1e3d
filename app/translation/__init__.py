"""The translators' round trip: content pages to gettext PO files and back, with review."""

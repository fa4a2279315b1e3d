"""The letters pages are the calendar's: the same fixed clock, parent and signed-in parent."""

from tests.calendar.conftest import now, parent, signed_in  # noqa: F401

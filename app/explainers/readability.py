"""Reading age of explainer bodies (Flesch–Kincaid grade via textstat, a test dependency)."""

from app.explainers.text import plain_text

GRADE_LIMIT = 6.0


def grade(body: str) -> float:
    """Flesch–Kincaid grade of an explainer body written in Markdown."""
    import textstat  # offline with 0.7.4 (pyphen); only tests and editors measure

    return textstat.flesch_kincaid_grade(plain_text(body))

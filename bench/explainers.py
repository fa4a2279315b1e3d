"""An explainer page through the whole app against nginx serving the same bytes (see pages)."""

from bench.pages import versus_nginx

SLUG = "care-proceedings"


def main() -> None:
    versus_nginx("explainer", f"/en/explainers/{SLUG}")

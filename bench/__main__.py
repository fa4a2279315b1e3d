"""Run the benchmarks: `python -m bench [name ...]`."""

import sys

from bench import calendar, explainers, home, letters, push, pwa

BENCHMARKS = {
    "home": home.main,
    "explainers": explainers.main,
    "calendar": calendar.main,
    "pwa": pwa.main,
    "push": push.main,
    "letters": letters.main,
}

if __name__ == "__main__":
    for name in sys.argv[1:] or list(BENCHMARKS):
        BENCHMARKS[name]()

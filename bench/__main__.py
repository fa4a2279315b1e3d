"""Run the benchmarks: `python -m bench [name ...]`."""

import sys

from bench import home

BENCHMARKS = {"home": home.main}

if __name__ == "__main__":
    for name in sys.argv[1:] or list(BENCHMARKS):
        BENCHMARKS[name]()

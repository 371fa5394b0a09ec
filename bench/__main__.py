"""``python -m bench [name …]``: run the benchmarks (all by default) and print their figures."""

import sys

from bench import (
    capacity,
    cases,
    console,
    coverage,
    dispatch,
    evaluation,
    geography,
    hostile_input,
    http_overhead,
    low_zoom_tiles,
    patrols,
    push,
    residents,
    soak,
    webhooks,
)

BENCHMARKS = {"http_overhead": http_overhead, "geography": geography, "cases": cases,
              "dispatch": dispatch, "push": push,
              "residents": residents, "webhooks": webhooks, "hostile_input": hostile_input,
              "patrols": patrols, "capacity": capacity,
              "console": console, "low_zoom_tiles": low_zoom_tiles,
              "evaluation": evaluation, "coverage": coverage, "soak": soak}

if __name__ == "__main__":
    for name in sys.argv[1:] or BENCHMARKS:
        BENCHMARKS[name].run()

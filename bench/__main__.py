"""``python -m bench [name …]``: run the benchmarks (all by default) and print their figures."""

import sys

from bench import cases, geography, http_overhead

BENCHMARKS = {"http_overhead": http_overhead, "geography": geography, "cases": cases}

if __name__ == "__main__":
    for name in sys.argv[1:] or BENCHMARKS:
        BENCHMARKS[name].run()

"""``python -m bench``: run every benchmark and print its figures."""

from bench import http_overhead

BENCHMARKS = (http_overhead,)

if __name__ == "__main__":
    for benchmark in BENCHMARKS:
        benchmark.run()

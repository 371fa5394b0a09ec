"""Request overhead of grid-api (/healthz) against a bare Flask app, both under gunicorn."""

from __future__ import annotations

from bench.harness import gunicorn, private_services, wrk


def run(seconds: int = 10) -> dict[str, float]:
    with private_services() as env:
        with gunicorn("bench.bare_app:app", env) as bare:
            wrk(bare + "/healthz", seconds=2)  # warm-up
            baseline = wrk(bare + "/healthz", seconds=seconds)
        with gunicorn("grid_api.wsgi:app", env) as ours:
            wrk(ours + "/healthz", seconds=2)
            measured = wrk(ours + "/healthz", seconds=seconds)
    figures = {
        "bare_rps": baseline.requests_per_second,
        "app_rps": measured.requests_per_second,
        "throughput_ratio": measured.requests_per_second / baseline.requests_per_second,
        "bare_p50_ms": baseline.p50_ms, "app_p50_ms": measured.p50_ms,
        "bare_p99_ms": baseline.p99_ms, "app_p99_ms": measured.p99_ms,
    }
    print("http overhead (/healthz, gunicorn 2 workers, wrk 16 connections)")
    for name, value in figures.items():
        print(f"  {name:18} {value:10.2f}")
    return figures


if __name__ == "__main__":
    run()

"""A sign-in flooded with a million unknown JSON keys: the time to refuse it and the size of
the answer, against the time a bare ``json.loads`` of the same body takes."""

from __future__ import annotations

import json
import logging
import statistics
import time

from bench.harness import private_services
from grid_api.app import create_app
from grid_api.config import Settings

KEYS = 1_000_000
RUNS = 5


def run() -> dict[str, float]:
    body = json.dumps({f"k{i}": 0 for i in range(KEYS)})
    with private_services() as env:
        app = create_app(settings=Settings.from_env({**env, "GRID_ENV": "development",
                                                     "AUTH_LIMIT_PER_ADDRESS": "1000 per minute"}))
        logging.disable(logging.WARNING)
        client = app.test_client()
        ours, raw, size = [], [], 0
        for _ in range(RUNS):
            started = time.perf_counter()
            response = client.post("/api/v1/auth/login", data=body,
                                   content_type="application/json")
            ours.append(time.perf_counter() - started)
            size = len(response.data)
            started = time.perf_counter()
            json.loads(body)
            raw.append(time.perf_counter() - started)
        logging.disable(logging.NOTSET)
    figures = {"body_mb": len(body) / 1e6, "status": response.status_code,
               "answer_bytes": size, "ours_p50_ms": statistics.median(ours) * 1000,
               "raw_parse_p50_ms": statistics.median(raw) * 1000,
               "ratio_raw_over_ours": statistics.median(raw) / statistics.median(ours)}
    print(f"hostile input: POST /auth/login with {KEYS:,} unknown keys (median of {RUNS})")
    for name, value in figures.items():
        print(f"  {name:22} {value:10.2f}")
    return figures


if __name__ == "__main__":
    run()

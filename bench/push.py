"""Push fan-out: notifications delivered through the real firebase-admin SDK to a local fake
FCM endpoint, against raw HTTP posts of the same messages to it, in the same run."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import requests

from devenv.fake_fcm import FakeFcm
from tasks import push

DEVICES = 2000
BATCH = 500


def run() -> dict[str, float]:
    tokens = [f"bench-token-{n:06d}" for n in range(DEVICES)]
    with FakeFcm() as fake:
        settings = SimpleNamespace(push_ttl_seconds=3600, fcm_credentials_file="",
                                   fcm_project_id="bench", fcm_endpoint=fake.url)
        gateway = push.FcmGateway(settings)
        started = time.perf_counter()
        for start in range(0, DEVICES, BATCH):
            outcomes = gateway.send(push.Push("token", tokens[start:start + BATCH], "案件已结案",
                                              "案件 20261125000001 已结案", {"case_id": "1"},
                                              "case-1"))
            assert all(outcome.message_id for outcome in outcomes)
        ours = time.perf_counter() - started
        url = f"{fake.url}/v1/projects/bench/messages:send"
        session = requests.Session()
        session.mount("http://", requests.adapters.HTTPAdapter(pool_maxsize=100))

        def post(token: str) -> None:
            session.post(url, data=json.dumps({"message": {
                "token": token, "notification": {"title": "案件已结案", "body": "x"},
                "data": {"case_id": "1"}}}), headers={"Content-Type": "application/json"},
                timeout=10).raise_for_status()

        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=100) as pool:
            list(pool.map(post, tokens))
        raw = time.perf_counter() - started
    figures = {"devices": DEVICES, "sdk_pushes_per_second": DEVICES / ours,
               "raw_posts_per_second": DEVICES / raw, "ratio": raw / ours}
    for name, value in figures.items():
        print(f"  push_{name:28} {value:10.2f}", flush=True)
    return figures


if __name__ == "__main__":
    run()

"""Push fan-out: one notification to 10^4 devices spread over every channel, each through its
real client (firebase-admin, the thin vendor clients, the JPush SDK) to its local fake,
against the same HTTP requests replayed raw to the same fakes in the same run."""

from __future__ import annotations

import contextlib
import json
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from devenv.push_fakes import provider, service_account, start
from grid_api.push.interface import Message, Outcome, Target

DEVICES = 10_000
CHANNELS = ("fcm", "huawei", "harmony", "xiaomi", "oppo", "vivo", "jpush")
FCM_THREADS = 100  # the raw baseline's threads for FCM's one-request-per-device API
ROUNDS = 5  # each side runs this often; the median counts (a vendor's run is milliseconds)
MESSAGE = Message(notification_id=1, title="案件已结案，请评价",
                  body="案件 20261125000001 已结案", link="gridapi://cases/1",
                  collapse_key="case-1", ttl_seconds=3600,
                  data={"notification_id": "1", "kind": "case_closed", "case_id": "1"})


@contextlib.contextmanager
def captured() -> list[requests.PreparedRequest]:
    """Every HTTP request any requests session sends meanwhile (the SDKs' included)."""
    sent: list[requests.PreparedRequest] = []
    real = requests.Session.send

    def send(self, request, **kwargs):
        sent.append(request.copy())
        return real(self, request, **kwargs)

    requests.Session.send = send
    try:
        yield sent
    finally:
        requests.Session.send = real


def ours(name: str, channel, tokens: list[str]) -> tuple[float, list[requests.PreparedRequest]]:
    """Seconds for our client to push to ``tokens`` in its batches, and what it sent."""
    with captured() as sent:
        began = time.perf_counter()
        for start_at in range(0, len(tokens), channel.max_batch):
            batch = [Target(token) for token in tokens[start_at:start_at + channel.max_batch]]
            answers = channel.send(MESSAGE, batch)
            assert {answer.outcome for answer in answers} == {Outcome.delivered}, name
        return time.perf_counter() - began, sent


def raw(name: str, requests_sent: list[requests.PreparedRequest],
        session: requests.Session) -> float:
    """Seconds to post the same requests with a bare pooled session."""
    sends = [request for request in requests_sent if "token" not in request.url
             and not request.url.endswith("/auth")]  # the token fetch is ours, once

    def post(request: requests.PreparedRequest) -> None:
        session.send(request, timeout=30).raise_for_status()

    began = time.perf_counter()
    if name == "fcm":
        with ThreadPoolExecutor(max_workers=FCM_THREADS) as pool:
            list(pool.map(post, sends))
    else:
        for request in sends:
            post(request)
    return time.perf_counter() - began


def run() -> dict[str, float]:
    per_channel = DEVICES // len(CHANNELS)
    figures: dict[str, float] = {"devices": per_channel * len(CHANNELS)}
    total_ours = total_raw = 0.0
    with tempfile.TemporaryDirectory(prefix="grid-bench-push-") as tmp:
        account_file, public = service_account(Path(tmp))
        for name in CHANNELS:
            session = requests.Session()
            session.mount("http://", requests.adapters.HTTPAdapter(pool_maxsize=FCM_THREADS))
            tokens = [f"{name}-bench-token-{n:06d}" for n in range(per_channel)]
            with start(name, public) as fake:
                channel = provider(name, fake.url, account_file)
                channel.send(MESSAGE, [Target(tokens[0])])  # sign in, warm the pool
                rounds = [ours(name, channel, tokens) for _ in range(ROUNDS)]
                seconds, sent = statistics.median(t for t, _ in rounds), rounds[0][1]
                baselines = []
                for _ in range(ROUNDS + 1):  # the first warms the bare session's pool
                    if name == "jpush":  # a cid sends once: hand the fake its cids back
                        fake.cids.update(_cids(sent))
                    baselines.append(raw(name, sent, session))
                baseline = statistics.median(baselines[1:])
            total_ours, total_raw = total_ours + seconds, total_raw + baseline
            figures[f"{name}_per_second"] = per_channel / seconds
            figures[f"{name}_raw_per_second"] = per_channel / baseline
            figures[f"{name}_ratio"] = baseline / seconds
    figures["all_per_second"] = figures["devices"] / total_ours
    figures["all_raw_per_second"] = figures["devices"] / total_raw
    figures["all_ratio"] = total_raw / total_ours
    for name, value in figures.items():
        print(f"  push_{name:28} {value:10.2f}", flush=True)
    return figures


def _cids(sent: list[requests.PreparedRequest]) -> set[str]:
    return {cid for request in sent if request.url.endswith("/batch/regid/single")
            for cid in json.loads(request.body)["pushlist"]}


if __name__ == "__main__":
    run()

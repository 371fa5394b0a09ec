"""Webhooks: what the fan-out trigger adds to filing a report while an endpoint listens, and
how fast one worker fans out and delivers signed messages to a local receiver, against the
same bodies posted by a bare pooled ``requests`` session in the same run."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import requests
from sqlalchemy import func, select

from bench.harness import ROOT, private_services
from devenv.services import free_port
from grid_api.app import create_app
from grid_api.config import Settings
from grid_api.demo.city import load_demo_city
from grid_api.integrations import clients, webhooks
from grid_api.integrations.open311_submission import file_request, parse_form
from models.area import Area, AreaLevel
from models.integration import (
    ClientChannel,
    ClientOperation,
    WebhookDelivery,
    WebhookEndpoint,
)
from models.outbox import OutboxMessage, Topic
from tasks.webhooks import sender

COUNT = 1000  # reports filed, and so messages delivered


def _setup(app, receiver_url: str):
    with app.extensions["grid_db"].new_session() as session:
        load_demo_city(session, with_grid=True)
        lon, lat = session.execute(
            select(func.ST_X(func.ST_PointOnSurface(Area.geom)),
                   func.ST_Y(func.ST_PointOnSurface(Area.geom)))
            .where(Area.level == AreaLevel.grid).order_by(Area.id).limit(1)).one()
        made, _key = clients.create_client(
            session, name="12345", channel=ClientChannel.hotline, rate_limit="1000 per second",
            operations=[ClientOperation.open311_submit.value])
        endpoint = webhooks.create_endpoint(session, made.id, url=receiver_url,
                                            event_types=["case.created"],
                                            targets=app.extensions["grid_webhook_targets"])
        endpoint.disabled_at = func.now()  # not listening for the first round
        session.commit()
        identity = clients.ClientIdentity(
            client_id=made.id, account_id=made.account_id, name=made.name,
            channel=made.channel, operations=frozenset(made.operations),
            rate_limit=made.rate_limit)
        return identity, endpoint.id, (lon, lat)


def _file(app, identity, where, count: int) -> float:
    """Seconds per report filed (each its own transaction)."""
    form = parse_form([("service_code", "E0104"), ("lat", str(where[1])),
                       ("long", str(where[0])), ("description", "路面油污")])
    database, settings = app.extensions["grid_db"], app.extensions["grid_case_settings"]
    began = time.perf_counter()
    for _ in range(count):
        with database.new_session() as session:
            file_request(session, identity, settings, form, locale="zh-CN")
            session.commit()
    return (time.perf_counter() - began) / count


def _deliver_all(app) -> float:
    """Seconds for one worker to fan out every event and deliver every message, each job in
    its own transaction as the worker runs them."""
    database = app.extensions["grid_db"]
    post = sender(app.extensions["grid_webhook_targets"])
    with database.new_session() as session:
        events = [row.payload["event_id"] for row in session.execute(
            select(OutboxMessage).where(OutboxMessage.topic == Topic.webhook_fan_out.value)
            .order_by(OutboxMessage.id)).scalars()]
    began = time.perf_counter()
    for event_id in events:
        with database.new_session() as session:
            delivery_ids = webhooks.fan_out(session, event_id)
            session.commit()
        for delivery_id in delivery_ids:
            with database.new_session() as session:
                assert webhooks.attempt(session, delivery_id, post) == "delivered"
                session.commit()
    return time.perf_counter() - began


def _raw(app, url: str) -> float:
    """Seconds for a bare pooled session to post the same signed bodies."""
    with app.extensions["grid_db"].new_session() as session:
        deliveries = session.execute(select(WebhookDelivery)).scalars().all()
        endpoint = session.get(WebhookEndpoint, deliveries[0].endpoint_id)
        signed = [webhooks.signed_request(endpoint, d, d.delivered_at) for d in deliveries]
    http = requests.Session()
    http.trust_env = False
    began = time.perf_counter()
    for headers, body in signed:
        http.post(url, data=body, headers=headers, timeout=10).close()
    return time.perf_counter() - began


def run() -> dict[str, float]:
    with private_services() as env:
        # The receiver listens on loopback, allowed by name like a city's intranet would be.
        app = create_app(settings=Settings.from_env({
            **os.environ, **env, "WEBHOOK_ALLOWED_NETWORKS": "127.0.0.1/32"}))
        port = free_port()
        receiver = subprocess.Popen([sys.executable, "-m", "bench.webhook_receiver", str(port)],
                                    cwd=ROOT)
        url = f"http://127.0.0.1:{port}/hooks"
        try:
            time.sleep(0.5)
            identity, endpoint_id, where = _setup(app, url)
            _file(app, identity, where, COUNT // 5)  # warm-up: caches, connections
            quiet = _file(app, identity, where, COUNT)
            with app.extensions["grid_db"].new_session() as session:
                session.get(WebhookEndpoint, endpoint_id).disabled_at = None
                session.commit()
            listened = _file(app, identity, where, COUNT)
            ours = _deliver_all(app)
            raw = _raw(app, url)
        finally:
            receiver.terminate()
            receiver.wait(timeout=10)
    figures = {"file_ms_no_endpoint": quiet * 1000,
               "file_ms_endpoint_listening": listened * 1000,
               "deliveries_per_s": COUNT / ours, "raw_posts_per_s": COUNT / raw,
               "ratio": raw / ours}
    for name, value in figures.items():
        print(f"  webhooks_{name:30} {value:10.2f}", flush=True)
    return figures


if __name__ == "__main__":
    run()

"""Webhooks end to end on a real Redis with committed data and real worker runs: the
receiver is down, the worker stops and starts again, and the message arrives once."""

from __future__ import annotations

from redis import Redis
from rq import Queue, SimpleWorker
from sqlalchemy import func, select, update
from standardwebhooks import Webhook

from grid_api.infra.queues import QUEUE_NAMES
from grid_api.integrations import clients, webhooks
from grid_api.integrations.open311_submission import file_request, parse_form
from models.area import Area
from models.integration import (
    ClientChannel,
    ClientOperation,
    DeliveryStatus,
    WebhookDelivery,
)
from tasks import relay
from tasks.webhooks import retry_due
from tests.factories import make_grid_tree


def _worker_run(app) -> None:
    """One worker process's life: take every queued job, then stop."""
    connection = Redis.from_url(app.config["GRID_SETTINGS"].redis_url)
    queues = [Queue(name, connection=connection) for name in QUEUE_NAMES]
    SimpleWorker(queues, connection=connection).work(burst=True, with_scheduler=False)


def _file_committed_case(app, committed, receiver_url):
    with committed.new_session() as session:
        tree = make_grid_tree(session)
        lon, lat = session.execute(select(func.ST_X(func.ST_PointOnSurface(Area.geom)),
                                          func.ST_Y(func.ST_PointOnSurface(Area.geom)))
                                   .where(Area.id == tree["cells"][0].id)).one()
        made, _key = clients.create_client(
            session, name="12345 热线", channel=ClientChannel.hotline,
            operations=[ClientOperation.open311_submit.value], rate_limit="10 per second")
        endpoint = webhooks.create_endpoint(session, made.id, url=receiver_url,
                                            event_types=["case.created"],
                                            targets=app.extensions["grid_webhook_targets"])
        session.commit()
        identity = clients.ClientIdentity(
            client_id=made.id, account_id=made.account_id, name=made.name,
            channel=made.channel, operations=frozenset(made.operations),
            rate_limit=made.rate_limit)
        form = parse_form([("service_code", "E0104"), ("lat", str(lat)), ("long", str(lon)),
                           ("description", "井盖缺失")])
        file_request(session, identity, app.extensions["grid_case_settings"], form,
                     locale="zh-CN")
        session.commit()
        return endpoint.id, endpoint.secret


def test_nothing_is_lost_and_nothing_is_sent_twice(app, committed, receiver):
    receiver.stop()
    endpoint_id, secret = _file_committed_case(app, committed, receiver.url)
    assert relay.sweep() == 1  # the trigger's fan-out row
    _worker_run(app)  # fans out, then tries: the receiver is down
    with committed.new_session() as session:
        [delivery] = session.execute(select(WebhookDelivery)).scalars().all()
        assert (delivery.endpoint_id, delivery.status, delivery.attempts) == (
            endpoint_id, DeliveryStatus.pending, 1)
        message_id = delivery.message_id
        # The worker is gone; time passes; the retry falls due.
        session.execute(update(WebhookDelivery).values(next_attempt_at=func.now()))
        session.commit()
    receiver.start()
    assert retry_due() == 1
    _worker_run(app)  # a new worker
    assert retry_due() == 0
    _worker_run(app)
    [(headers, body)] = receiver.received
    assert headers["webhook-id"] == message_id
    assert Webhook(secret).verify(body, headers)["type"] == "case.created"
    with committed.new_session() as session:
        delivery = session.execute(select(WebhookDelivery)).scalar_one()
        assert (delivery.status, delivery.attempts) == (DeliveryStatus.delivered, 2)
    assert relay.sweep() == 0

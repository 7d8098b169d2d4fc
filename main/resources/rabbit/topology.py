"""The RabbitMQ topology of the sync service, declared idempotently by publishers and workers.

* `ex.events` (topic, durable): where publishers send; one queue per routing key,
  `q.events.sync-service.<routing key>`, quorum where the broker has quorum queues.
* `ex.events.sync-service.requeue` (direct): the same queues bound by routing key, so
  a replayed dead letter reaches only this service, not every subscriber of ex.events.
* `ex.events.sync-service.dead` (fanout) -> `q.events.sync-service.dead`: dead letters,
  published by the worker with the reason in the `x-dead-reason` header, or moved
  there by the broker when a message passes the queue's delivery limit.
"""

from __future__ import annotations

from dataclasses import dataclass

from pika.adapters.blocking_connection import BlockingChannel

EVENTS_EXCHANGE = "ex.events"
REQUEUE_EXCHANGE = "ex.events.sync-service.requeue"
DEAD_EXCHANGE = "ex.events.sync-service.dead"
DEAD_QUEUE = "q.events.sync-service.dead"
# A message that kills the worker this many times (OOM, segfault) is dead-lettered by the broker.
DELIVERY_LIMIT = 50

REASON_HEADER = "x-dead-reason"
ROUTING_KEY_HEADER = "x-original-routing-key"


@dataclass(frozen=True)
class Binding:
    queue: str
    exchange: str
    routing_key: str


def quorum_supported(server_version: str) -> bool:
    major, minor = (int(part) for part in server_version.split(".")[:2])
    return (major, minor) >= (3, 8)


def declare(channel: BlockingChannel, bindings: list[Binding], quorum: bool) -> None:
    queue_type = {"x-queue-type": "quorum"} if quorum else {}
    limit = {"x-delivery-limit": DELIVERY_LIMIT} if quorum else {}
    channel.exchange_declare(DEAD_EXCHANGE, "fanout", durable=True)
    channel.queue_declare(DEAD_QUEUE, durable=True, arguments=queue_type)
    channel.queue_bind(DEAD_QUEUE, DEAD_EXCHANGE)
    channel.exchange_declare(REQUEUE_EXCHANGE, "direct", durable=True)
    for binding in bindings:
        channel.exchange_declare(binding.exchange, "topic", durable=True)
        channel.queue_declare(
            binding.queue,
            durable=True,
            arguments={**queue_type, **limit, "x-dead-letter-exchange": DEAD_EXCHANGE},
        )
        channel.queue_bind(binding.queue, binding.exchange, binding.routing_key)
        channel.queue_bind(binding.queue, REQUEUE_EXCHANGE, binding.routing_key)

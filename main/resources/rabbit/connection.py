"""Opening a pika connection: parameters from AMQP_URL, topology declared, confirms on."""

from __future__ import annotations

import pika
from pika.adapters.blocking_connection import BlockingChannel, BlockingConnection

from main.resources.rabbit.topology import Binding, declare, quorum_supported

DEFAULT_HEARTBEAT = 30


def parameters(url: str, heartbeat: int | None = None) -> pika.URLParameters:
    """URL query options (`?heartbeat=...`) win over the defaults given here."""
    params = pika.URLParameters(url)
    if "heartbeat" not in url:
        params.heartbeat = heartbeat or DEFAULT_HEARTBEAT
    if "blocked_connection_timeout" not in url:
        params.blocked_connection_timeout = 30
    return params


def server_version(connection: BlockingConnection) -> str:
    version = connection._impl.server_properties.get("version", b"0.0")
    return version.decode() if isinstance(version, bytes) else str(version)


def open_channel(
    url: str, bindings: list[Binding], heartbeat: int | None = None
) -> tuple[BlockingConnection, BlockingChannel]:
    """A new connection and a channel with publisher confirms, the topology declared on it."""
    connection = pika.BlockingConnection(parameters(url, heartbeat))
    channel = connection.channel()
    declare(channel, bindings, quorum_supported(server_version(connection)))
    channel.confirm_delivery()
    return connection, channel

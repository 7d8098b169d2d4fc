"""Fixtures of the controller tests."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from flask import Flask

from main.bootstrap import bootstrap
from main.controller.http.app import create_app


@pytest.fixture
def broker_app(settings, amqp_url, geocoder) -> Iterator[Flask]:
    """The app with a real RabbitMQ vhost of its own as its bus, consuming nothing."""
    container = bootstrap(replace(settings, amqp_url=amqp_url), geocoder=geocoder, consume=False)
    yield create_app(container)
    container.close()

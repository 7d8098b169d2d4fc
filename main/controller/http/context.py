"""Reach the composition root's container from inside a request."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import current_app

if TYPE_CHECKING:
    from main.bootstrap import Container


def container() -> Container:
    return current_app.extensions["company_graph"]

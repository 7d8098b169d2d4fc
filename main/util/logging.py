"""One log format for the API, the worker and the CLI, with the request id in every line."""

from __future__ import annotations

import logging

from main.util.request_id import current_request_id

FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id() or "-"
        return True


def configure_logging(level: str = "INFO") -> None:
    root = logging.getLogger()
    if not any(isinstance(f, _RequestIdFilter) for h in root.handlers for f in h.filters):
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter(FORMAT))
        handler.addFilter(_RequestIdFilter())
        root.addHandler(handler)
    root.setLevel(level)
    # pika logs every failed connection attempt as ERROR with a traceback; the worker
    # reports connection loss and reconnection itself, once, as WARNING.
    logging.getLogger("pika").setLevel(logging.CRITICAL)

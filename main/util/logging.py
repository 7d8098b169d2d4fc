"""One log format for the API, the worker and the CLI, with the request id in every line.

JSON by default, one object a line (`LOG_FORMAT=json`), for whatever collects the logs:
`time`, `level`, `logger`, `request_id`, `message`, `trace_id` when tracing is on (so a
line leads to its trace and back), and the fields a call adds with
`extra=` (the worker's event, routing key, outcome and duration). `LOG_FORMAT=text` is
for a terminal (`make run` sets it).
"""

from __future__ import annotations

import logging

from pythonjsonlogger.json import JsonFormatter

from main.util.request_id import current_request_id
from main.util.tracing import current_trace_id

FORMATS = ("json", "text")
TEXT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
JSON_FIELDS = "%(levelname)s %(name)s %(request_id)s %(message)s"


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id() or "-"
        trace_id = current_trace_id()
        if trace_id:
            record.trace_id = trace_id
        return True


def configure_logging(level: str = "INFO", form: str = "json") -> None:
    root = logging.getLogger()
    handler = next(
        (h for h in root.handlers if any(isinstance(f, _RequestIdFilter) for f in h.filters)), None
    )
    if handler is None:
        handler = logging.StreamHandler()
        handler.addFilter(_RequestIdFilter())
        root.addHandler(handler)
    handler.setFormatter(formatter(form))
    root.setLevel(level)
    # pika logs every failed connection attempt as ERROR with a traceback; the worker
    # reports connection loss and reconnection itself, once, as WARNING.
    logging.getLogger("pika").setLevel(logging.CRITICAL)


def formatter(form: str) -> logging.Formatter:
    if form == "text":
        return logging.Formatter(TEXT)
    return JsonFormatter(
        JSON_FIELDS,
        rename_fields={"levelname": "level", "name": "logger"},
        timestamp="time",
        json_ensure_ascii=False,
    )

"""Traces with OpenTelemetry: on when `OTEL_EXPORTER_OTLP_ENDPOINT` is set, off otherwise.

Off means nothing at all: no SDK imported, no exporter thread, no Flask instrumentation,
and each span site in our code costs one test of a module global (the OTel API's no-op
tracer would still build a context manager and a span object per call).

A trace crosses the bus in the message headers (W3C `traceparent`): the HTTP request, its
publish and the worker's handling of that message share one trace id, whether the bus is
RabbitMQ or the in-process one. A batch's store transaction has its own span, linked to
the message spans it applies (one transaction serves many traces).

The SDK reads the standard variables itself: `OTEL_SERVICE_NAME`, `OTEL_RESOURCE_ATTRIBUTES`,
`OTEL_TRACES_SAMPLER` (parent-based, always on by default), `OTEL_EXPORTER_OTLP_HEADERS`.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping, Sequence
from typing import Any

from opentelemetry import propagate, trace
from opentelemetry.trace import Link, Span, SpanKind

from main.util.threads import shutdown_signals_blocked

ENDPOINT_ENVS = ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT")
INSTRUMENTATION = "company-graph"
PRODUCER, CONSUMER, CLIENT = SpanKind.PRODUCER, SpanKind.CONSUMER, SpanKind.CLIENT

_provider: Any = None
_tracer: trace.Tracer | None = None


def endpoint(env: Mapping[str, str] | None = None) -> str:
    env = os.environ if env is None else env
    return next((env[name] for name in ENDPOINT_ENVS if env.get(name)), "")


def start_from_env(service_name: str, env: Mapping[str, str] | None = None) -> bool:
    """Export spans over OTLP/HTTP when an endpoint is configured; True if tracing is on.

    Call it after fork (each process its own exporter thread). The exporter's thread is
    started with shutdown signals blocked, so they keep reaching the server's own thread.
    """
    env = os.environ if env is None else env
    if not endpoint(env):
        return False
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import SERVICE_NAME, Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    named = {} if env.get("OTEL_SERVICE_NAME") else {SERVICE_NAME: service_name}
    provider = TracerProvider(resource=Resource.create(named))
    with shutdown_signals_blocked():
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    enable(provider)
    return True


def enable(provider: Any) -> None:
    """Send this process's spans to `provider` (an SDK TracerProvider)."""
    global _provider, _tracer
    _provider, _tracer = provider, provider.get_tracer(INSTRUMENTATION)


def disable() -> None:
    global _provider, _tracer
    _provider, _tracer = None, None


def enabled() -> bool:
    return _tracer is not None


def provider() -> Any:
    """The provider spans go to, or None when tracing is off."""
    return _provider


def shutdown() -> None:
    """Export what is still buffered: at a process's clean exit."""
    if _provider is not None:
        _provider.shutdown()


def span(
    name: str,
    kind: SpanKind = SpanKind.INTERNAL,
    attributes: Mapping[str, Any] | None = None,
    links: Sequence[Link] = (),
) -> contextlib.AbstractContextManager[Span | None]:
    """A span around a block, child of the current one; a no-op context when tracing is off."""
    if _tracer is None:
        return contextlib.nullcontext()
    return _tracer.start_as_current_span(name, kind=kind, attributes=attributes, links=links)


def inject(headers: Mapping[str, Any]) -> dict[str, Any]:
    """`headers` plus the current trace context (`traceparent`), to travel with a message."""
    carrier = dict(headers)
    if _tracer is not None:
        propagate.inject(carrier)
    return carrier


def receive(name: str, headers: Mapping[str, Any], attributes: Mapping[str, Any]) -> Span | None:
    """A started consumer span continuing the trace a message carries; None when off.

    The caller ends it once the message's outcome is known.
    """
    if _tracer is None:
        return None
    parent = propagate.extract({k: v for k, v in headers.items() if isinstance(v, str)})
    return _tracer.start_span(name, context=parent, kind=SpanKind.CONSUMER, attributes=attributes)


def link(spans: Sequence[Span | None]) -> list[Link]:
    return [Link(s.get_span_context()) for s in spans if s is not None]


def current(active: Span | None) -> contextlib.AbstractContextManager[Any]:
    """Make a span started elsewhere the current one (log lines then carry its trace id)."""
    if active is None:
        return contextlib.nullcontext()
    return trace.use_span(active, end_on_exit=False)


def end(active: Span | None, attributes: Mapping[str, Any]) -> None:
    """End a span started with `receive`, with what became of its message."""
    if active is not None:
        active.set_attributes(attributes)
        active.end()


def current_trace_id() -> str | None:
    if _tracer is None:
        return None
    context = trace.get_current_span().get_span_context()
    return format(context.trace_id, "032x") if context.is_valid else None

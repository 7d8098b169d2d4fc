"""uWSGI entry point (`module = main.wsgi:application`, with lazy-apps so each worker builds its own).

Everything, imports included, is built under `stop_at_once_while`: a stop that reaches a
worker while it loads (most of that time is imports) ends it cleanly instead of failing
the load or being lost.

The container closes (draining the in-process bus), then the spans still buffered are
exported, from `uwsgi.atexit`, which uWSGI calls
before the interpreter shuts down: Python's own atexit handlers run after threads have
been told to stop, too late to apply what the bus still holds (under load a SIGTERM lost
accepted events that way).
"""

from __future__ import annotations

from main.util.startup import stop_at_once_while

with stop_at_once_while("loading the app", uwsgi_worker=True):
    import os
    import sys

    print(f"worker {os.getpid()}: loading the app", file=sys.stderr, flush=True)

    from main.bootstrap import bootstrap
    from main.controller.http.app import create_app
    from main.util import tracing
    from main.util.config import Settings
    from main.util.heap import freeze_startup_objects
    from main.util.logging import configure_logging
    from main.util.recycling import RecycleOnMemory

    settings = Settings.from_env()
    configure_logging(settings.log_level, settings.log_format)
    tracing.start_from_env("company-graph-api")
    _container = bootstrap(settings)
    import uwsgi

    def _close() -> None:
        _container.close()
        tracing.shutdown()

    uwsgi.atexit = _close
    application = create_app(_container)
    if settings.recycle_worker_mb:
        application = RecycleOnMemory(application, settings.recycle_worker_mb, uwsgi.worker_id())
    freeze_startup_objects()

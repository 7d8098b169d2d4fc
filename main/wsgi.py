"""uWSGI entry point (`module = main.wsgi:application`, with lazy-apps so each worker builds its own)."""

from __future__ import annotations

import atexit

from main.bootstrap import bootstrap
from main.controller.http.app import create_app
from main.util.config import Settings
from main.util.heap import freeze_startup_objects
from main.util.logging import configure_logging

settings = Settings.from_env()
configure_logging(settings.log_level)
_container = bootstrap(settings)
atexit.register(_container.close)
application = create_app(_container)
freeze_startup_objects()

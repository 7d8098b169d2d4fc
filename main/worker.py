"""`python -m main.worker`: the sync worker, consuming company events from RabbitMQ.

SIGTERM or SIGINT stops it taking messages; it settles what it holds and exits 0,
well within Kubernetes' 30-second grace period.
"""

from __future__ import annotations

import logging
import signal
import sys

from main.bootstrap import bootstrap, build_consumer
from main.util.config import ConfigError, Settings
from main.util.logging import configure_logging

log = logging.getLogger("main.worker")


def main() -> int:
    try:
        settings = Settings.from_env()
        configure_logging(settings.log_level)
        container = bootstrap(settings, consume=False)
        consumer = build_consumer(container)
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    container.geocoder.warm()

    def stop(signum: int, _frame: object) -> None:
        log.info("signal %s: finishing the messages in hand, then stopping", signal.Signals(signum).name)
        consumer.stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    consumer.run()
    container.close()
    log.info("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""`python -m main.probe`: the image's HEALTHCHECK, for whichever process the container runs.

One image serves the API and the sync worker, and a health check cannot know which it
was started as: it passes if the API's probe port answers `/health` or the worker's
metrics port answers. It only asks loopback, with a short timeout, and reads nothing it
does not need; exit 0 healthy, 1 not.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request

TIMEOUT_SECONDS = 2.0


def endpoints(env: dict[str, str]) -> list[str]:
    return [
        f"http://127.0.0.1:{env.get('PROBE_PORT') or 8081}/health",
        f"http://127.0.0.1:{env.get('METRICS_PORT') or 9102}/metrics",
    ]


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def main() -> int:
    return 0 if any(answers(url) for url in endpoints(dict(os.environ))) else 1


if __name__ == "__main__":
    sys.exit(main())

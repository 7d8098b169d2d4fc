"""Where the processes of one API server keep their metric values (prometheus-client's
multiprocess mode). Apart from main/util/metrics.py because it must run before anything
imports prometheus_client, which picks how to keep values when it is imported."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"


def use_directory(folder: Path) -> None:
    """`folder` (or PROMETHEUS_MULTIPROC_DIR when set), emptied: a value left by the last run
    would be counted again. uWSGI's master calls it before it forks (main/preload.py)."""
    chosen = Path(os.environ.setdefault(MULTIPROCESS_ENV, str(folder)))
    shutil.rmtree(chosen, ignore_errors=True)
    chosen.mkdir(parents=True, exist_ok=True)

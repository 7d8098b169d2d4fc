"""`python -m main.worker`: a stop that comes while the worker's modules load ends it at once
with status 0, as one that comes while it builds its clients does (main)."""

import sys

from main.util.startup import stop_at_once_while

with stop_at_once_while("loading the worker"):
    from main.worker.process import main

sys.exit(main())

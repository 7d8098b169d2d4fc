import signal
import subprocess
import sys

SCRIPT = """
import os, signal, time
from main.util.startup import stop_at_once_while
with stop_at_once_while("testing"):
    if {inside}:
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)
os.kill(os.getpid(), signal.SIGTERM)
time.sleep(5)
"""


def run(inside: bool) -> subprocess.CompletedProcess:
    return python(SCRIPT.format(inside=inside))


def python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)


def test_a_stop_while_starting_ends_the_process_cleanly_and_says_so() -> None:
    result = run(inside=True)
    assert result.returncode == 0
    assert result.stderr == "SIGTERM while testing: stopped\n"


def test_after_start_up_the_old_handling_is_back() -> None:
    assert run(inside=False).returncode == -signal.SIGTERM


def test_a_uwsgi_worker_stopped_after_loading_its_app_stops_at_once() -> None:
    """uWSGI ignores SIGTERM and SIGHUP while a worker loads its app: a stop landing after
    the app is built but before uWSGI's own handlers are set must still end the worker
    (ignored, the worker served on and its master waited for it for good)."""
    loaded_then_stopped = """
import os, signal, time
signal.signal(signal.SIGHUP, signal.SIG_IGN)  # as uWSGI leaves a loading worker
signal.signal(signal.SIGTERM, signal.SIG_IGN)
from main.util.startup import stop_at_once_while
with stop_at_once_while("loading", uwsgi_worker=True):
    pass
os.kill(os.getpid(), signal.SIGHUP)
print("served on", flush=True)
time.sleep(5)
"""
    result = python(loaded_then_stopped)
    assert (result.returncode, result.stdout) == (-signal.SIGHUP, "")

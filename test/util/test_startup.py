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
    code = SCRIPT.format(inside=inside)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)


def test_a_stop_while_starting_ends_the_process_cleanly_and_says_so() -> None:
    result = run(inside=True)
    assert result.returncode == 0
    assert result.stderr == "SIGTERM while testing: stopped\n"


def test_after_start_up_the_old_handling_is_back() -> None:
    assert run(inside=False).returncode == -signal.SIGTERM

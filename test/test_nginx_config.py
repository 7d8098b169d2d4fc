"""The nginx configuration renders and passes `nginx -t` (Debian's nginx, installed by `make test`)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def render(prefix: Path, **options: str) -> Path:
    args = [f"--{name.replace('_', '-')}={value}" for name, value in options.items()]
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "nginx_conf.py"), "--prefix", str(prefix), *args],
        capture_output=True,
        text=True,
        check=True,
    )
    return Path(done.stdout.strip())


@pytest.mark.parametrize(("cache_ttl", "micro_cache"), [("1", "off"), ("3", "micro")])
def test_the_rendered_configuration_passes_nginx_t(tmp_path: Path, cache_ttl: str, micro_cache: str) -> None:
    if not shutil.which("nginx") and not Path("/usr/sbin/nginx").exists():
        pytest.fail("nginx is not installed: run `make test`, which installs it")
    conf = render(
        tmp_path / "nginx", socket=str(tmp_path / "uwsgi.sock"), listen="127.0.0.1:18080", cache_ttl=cache_ttl
    )
    checked = subprocess.run(
        ["/usr/sbin/nginx", "-t", "-p", str(conf.parent), "-c", str(conf)], capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stderr
    assert "test is successful" in checked.stderr
    assert f"uwsgi_cache {micro_cache};" in (conf.parent / "cache.conf").read_text()


def test_every_placeholder_has_a_value_or_a_default(tmp_path: Path) -> None:
    failed = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "nginx_conf.py"), "--prefix", str(tmp_path), "--socket", "s"],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert failed.returncode == 0, failed.stderr
    text = (tmp_path / "nginx.conf").read_text()
    assert "@LISTEN@" not in text and "listen 127.0.0.1:8080;" in text


def test_the_container_rendering_passes_nginx_t_and_logs_to_stdout(tmp_path: Path) -> None:
    """nginx's own image: uWSGI over TCP in another container, logs to the container's output,
    everything nginx writes under a run folder of its own (a read-only root filesystem)."""
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    conf = render(
        tmp_path / "etc",
        upstream="127.0.0.1:3031",
        logs="stdout",
        run_dir=str(run_dir),
        listen="127.0.0.1:18081",
    )
    text = conf.read_text()
    assert "server 127.0.0.1:3031;" in text
    assert (
        "access_log /dev/stdout json buffer=64k flush=1s;" in text and "error_log /dev/stderr warn;" in text
    )
    assert f"pid {run_dir}/nginx.pid;" in text and f"uwsgi_cache_path {run_dir}/cache" in text
    checked = subprocess.run(["/usr/sbin/nginx", "-t", "-c", str(conf)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr

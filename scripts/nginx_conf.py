"""Render nginx/*.template into a folder of nginx's own and print the main config's path.

    .venv/bin/python scripts/nginx_conf.py --prefix var/nginx --listen 127.0.0.1:8080 \\
        --socket var/uwsgi.sock
    # in nginx's container (nginx/Dockerfile): uWSGI in the api container, logs to stdout
    python scripts/nginx_conf.py --prefix /etc/nginx/company-graph --run-dir /tmp \\
        --listen 0.0.0.0:8080 --upstream api:3031 --logs stdout
    nginx -p var/nginx -c var/nginx/nginx.conf

The templates hold everything fixed; only what differs between a laptop, the tests
and the image is filled in (see the head of nginx/nginx.conf.template).
"""

from __future__ import annotations

import argparse
import os
import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[1] / "nginx"
PLACEHOLDER = re.compile(r"@[A-Z_]+@")


def render(prefix: Path, values: dict[str, str]) -> Path:
    prefix.mkdir(parents=True, exist_ok=True)  # nginx makes its temporary folders, for its workers' user
    for template in sorted(TEMPLATES.glob("*.template")):
        text = template.read_text()
        for name, value in values.items():
            text = text.replace(f"@{name}@", value)
        left = PLACEHOLDER.findall(text)
        if left:
            raise SystemExit(f"{template.name}: no value for {', '.join(sorted(set(left)))}")
        (prefix / template.name.removesuffix(".template")).write_text(text)
    return prefix / "nginx.conf"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--prefix", type=Path, required=True)
    parser.add_argument("--listen", default="127.0.0.1:8080")
    upstream = parser.add_mutually_exclusive_group(required=True)
    upstream.add_argument("--socket", type=Path, help="uWSGI's unix socket")
    upstream.add_argument("--upstream", help="uWSGI's host:port (uwsgi protocol), in a container")
    parser.add_argument(
        "--logs", choices=("files", "stdout"), default="files", help="stdout: a container's logs"
    )
    parser.add_argument(
        "--run-dir", type=Path, help="where nginx writes (pid, temporary files, cache); default: --prefix"
    )
    parser.add_argument("--log-dir", type=Path, help="where access.log and error.log go; default: --run-dir")
    parser.add_argument(
        "--read-timeout", default="35s", help="how long nginx waits for uWSGI's answer (above its harakiri)"
    )
    parser.add_argument("--rate", default="50", help="requests per second per client")
    parser.add_argument("--burst", default="100")
    parser.add_argument("--nginx-etc", default="/etc/nginx")
    parser.add_argument(
        "--cache-ttl",
        type=int,
        default=int(os.environ.get("CACHE_TTL_SECONDS", "1")),
        help="the app's CACHE_TTL_SECONDS (default: the environment's, else 1); micro-cache from 2",
    )
    args = parser.parse_args()
    prefix = args.prefix.resolve()
    run_dir = args.run_dir.resolve() if args.run_dir else prefix
    log_dir = args.log_dir.resolve() if args.log_dir else run_dir
    values = {
        "LISTEN": args.listen,
        "UPSTREAM": args.upstream or f"unix:{args.socket.resolve()}",
        "RUN_DIR": str(run_dir),
        "ACCESS_LOG": "/dev/stdout" if args.logs == "stdout" else f"{log_dir}/access.log",
        "ERROR_LOG": "/dev/stderr" if args.logs == "stdout" else f"{log_dir}/error.log",
        "READ_TIMEOUT": args.read_timeout,
        "RATE": args.rate,
        "BURST": args.burst,
        "NGINX_ETC": args.nginx_etc,
        "MICRO_CACHE": "micro" if args.cache_ttl >= 2 else "off",
    }
    print(render(prefix, values))


if __name__ == "__main__":
    main()

"""docker-compose.yml, validated offline: the compose specification's JSON Schema (vendored by
check-jsonschema), then what the schema cannot say about this project's services."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
APP_IMAGE = "company-graph:"
CHECK_JSONSCHEMA = str(Path(sys.executable).parent / "check-jsonschema")


def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def test_the_file_follows_the_compose_specification() -> None:
    checked = subprocess.run(
        [
            str(Path(sys.executable).parent / "check-jsonschema"),
            "--builtin-schema",
            "vendor.compose-spec",
            str(COMPOSE),
        ],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_every_long_running_service_has_a_healthcheck_and_waits_on_conditions() -> None:
    services = compose()["services"]
    assert {"nginx", "api", "worker", "rabbitmq", "memcached", "arangodb"} <= set(services)
    for name, service in services.items():
        if service.get("restart") != "no":
            assert "healthcheck" in service, f"{name} has no healthcheck"
        for needed, rule in (service.get("depends_on") or {}).items():
            wanted = (
                "service_completed_successfully"
                if services[needed].get("restart") == "no"
                else "service_healthy"
            )
            assert rule == {"condition": wanted}, (name, needed, rule)


def test_the_app_services_run_commands_the_entrypoint_knows() -> None:
    entrypoint = (ROOT / "docker" / "entrypoint.sh").read_text()
    apps = {n: s for n, s in compose()["services"].items() if s.get("image", "").startswith(APP_IMAGE)}
    assert set(apps) == {"migrate", "api", "worker"}
    for name, service in apps.items():
        (command,) = service["command"]
        assert re.search(rf"^\s+{command}\)", entrypoint, re.MULTILINE), (name, command)
        assert service["read_only"] is True and service["cap_drop"] == ["ALL"]


def test_the_variables_set_for_the_app_are_ones_it_reads() -> None:
    config = (ROOT / "main" / "util" / "config.py").read_text()
    for name, service in compose()["services"].items():
        if service.get("image", "").startswith(APP_IMAGE):
            for variable in service["environment"]:
                assert f'"{variable}"' in config, f"{name}: {variable} is not a setting"


def test_every_variable_the_file_interpolates_is_in_the_env_example() -> None:
    example = (ROOT / ".env.example").read_text()
    used = set(re.findall(r"(?<!\$)\$\{([A-Z_]+)", COMPOSE.read_text()))
    assert used
    for variable in used:
        assert re.search(rf"^#?\s*{variable}=", example, re.MULTILINE), f"{variable} is not in .env.example"


def test_volumes_and_secrets_used_are_declared() -> None:
    found = compose()
    for name, service in found["services"].items():
        for mount in service.get("volumes", []):
            assert mount.split(":")[0] in found["volumes"], (name, mount)
        for secret in service.get("secrets", []):
            assert secret in found["secrets"], (name, secret)

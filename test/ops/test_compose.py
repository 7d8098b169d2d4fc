"""docker-compose.yml, its ArangoDB override and the ArangoDB workflow, validated offline against
the schemas check-jsonschema vendors (the compose specification, GitHub workflows), then what
the schemas cannot say about this project's services."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
ON_ARANGODB = ROOT / "docker-compose.arangodb.yml"
APP_IMAGE = "company-graph:"
CHECK_JSONSCHEMA = str(Path(sys.executable).parent / "check-jsonschema")


def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def test_the_files_follow_the_compose_specification() -> None:
    checked = subprocess.run(
        [
            str(Path(sys.executable).parent / "check-jsonschema"),
            "--builtin-schema",
            "vendor.compose-spec",
            str(COMPOSE),
            str(ON_ARANGODB),
        ],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_every_long_running_service_has_a_healthcheck_and_waits_on_conditions() -> None:
    services = compose()["services"]
    assert {"nginx", "api", "worker", "rabbitmq", "memcached"} <= set(services)
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


def test_every_variable_the_files_interpolate_is_in_the_env_example() -> None:
    example = (ROOT / ".env.example").read_text()
    used = set(re.findall(r"(?<!\$)\$\{([A-Z_]+)", COMPOSE.read_text() + ON_ARANGODB.read_text()))
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


def test_the_arangodb_override_moves_every_app_service_onto_a_healthy_server() -> None:
    base, override = compose()["services"], yaml.safe_load(ON_ARANGODB.read_text())["services"]
    apps = {n for n, s in base.items() if s.get("image", "").startswith(APP_IMAGE)}
    assert apps <= set(override)
    for name in apps:
        assert override[name]["environment"]["GRAPH_URL"].startswith("arangodb://"), name
        assert override[name]["depends_on"] == {"arangodb": {"condition": "service_healthy"}}, name
    assert "healthcheck" in override["arangodb"]
    assert override["arangodb"]["volumes"] == ["arangodb:/var/lib/arangodb3"]


def test_the_arangodb_workflow_follows_github_actions_schema_and_runs_the_make_target() -> None:
    workflow = ROOT / ".github" / "workflows" / "arangodb.yml"
    checked = subprocess.run(
        [CHECK_JSONSCHEMA, "--builtin-schema", "vendor.github-workflows", str(workflow)],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    job = yaml.safe_load(workflow.read_text())["jobs"]["contract"]
    assert job["services"]["arangodb"]["image"].startswith("arangodb:3.12")
    (run,) = [step["run"] for step in job["steps"] if "run" in step]
    assert run.startswith("make test-arango ARANGO_URL=arangodb://")
    assert re.search(r"^test-arango:", (ROOT / "Makefile").read_text(), re.MULTILINE)

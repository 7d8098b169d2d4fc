"""k8s/, validated offline: every manifest against Kubernetes' schemas (kubernetes-validate,
strict), the kustomize builds (kubectl's built-in kustomize, where kubectl is installed), and
what the schemas cannot say: probes, limits, hardening, and grace periods that outlast the
processes' own drains."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
BASE = ROOT / "k8s" / "base"
VALIDATE = str(Path(sys.executable).parent / "kubernetes-validate")


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


@pytest.mark.parametrize("folder", ["k8s/base", "k8s/overlays/dev"])
def test_the_kustomize_builds_pass_kubernetes_schemas(folder: str, tmp_path: Path) -> None:
    if shutil.which("kubectl") is None:
        pytest.skip("kubectl is not installed: its built-in kustomize renders the overlays")
    built = subprocess.run(["kubectl", "kustomize", str(ROOT / folder)], capture_output=True, text=True)
    assert built.returncode == 0, built.stderr
    rendered = tmp_path / "built.yaml"
    rendered.write_text(built.stdout)
    checked = validate(rendered)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    documents = list(yaml.safe_load_all(built.stdout))
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

"""The files a province deploys from, checked offline: deploy/compose.yaml against the Compose
Specification's JSON schema (as shipped by check-jsonschema), deploy/k8s/ against Kubernetes'
own OpenAPI schemas (kubernetes-validate, strict), the generated deploy/haproxy.cfg by HAProxy
itself, and what the schemas cannot see: what each piece refers to exists."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

from giaoviec.programs.cli import main as cli_main
from giaoviec.programs.dev_temporal import TEMPORAL_DYNAMIC_CONFIG
from giaoviec.programs.haproxy_config import render
from tests.services import need

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
K8S_VERSION = "1.33.0"
ROLES = {"api", "worker", "migrate", "schedules"}


def compose() -> dict[str, Any]:
    return dict(yaml.safe_load((DEPLOY / "compose.yaml").read_text()))


def k8s_documents() -> list[dict[str, Any]]:
    return [doc for path in sorted((DEPLOY / "k8s").glob("*.yaml"))
            for doc in yaml.safe_load_all(path.read_text()) if doc]


def test_compose_follows_the_compose_specification() -> None:
    schema = json.loads(resources.files("check_jsonschema.builtin_schemas.vendor")
                        .joinpath("compose-spec.json").read_text())
    jsonschema.validate(compose(), schema)


def test_compose_wires_every_piece() -> None:
    services = compose()["services"]
    assert {"postgresql", "temporal-schema", "temporal", "temporal-namespace", "temporal-ui",
            "migrate", "schedules", "api1", "api2", "worker", "proxy"} <= set(services)
    for name, service in services.items():
        for needed in service.get("depends_on", {}):
            assert needed in services, f"{name} depends on unknown {needed}"
        one_shot = service.get("restart") == "no"
        long_running_app = service.get("command", [None])[0] in ("api", "worker")
        assert one_shot or "healthcheck" in service or name in ("temporal", "temporal-ui") \
            or not long_running_app, f"{name} has no health check"
        if service.get("image", "").startswith("${GIAOVIEC_IMAGE"):
            assert service["command"][0] in ROLES
    assert services["worker"]["deploy"]["replicas"] == 2
    for job in ("migrate", "schedules", "temporal-schema", "temporal-namespace"):
        assert services[job]["restart"] == "no"


def test_compose_takes_every_secret_from_the_environment() -> None:
    text = (DEPLOY / "compose.yaml").read_text()
    for name in ("POSTGRES_PASSWORD", "GIAOVIEC_OIDC_ISSUER", "GIAOVIEC_OIDC_JWKS_URL",
                 "GIAOVIEC_OIDC_AUDIENCE", "GIAOVIEC_SESSION_SECRET"):
        assert f"${{{name}:?" in text, f"{name} must be required from the environment"

    def walk(node: Any, key: str = "") -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, str(k))
        elif isinstance(node, list):
            for v in node:
                walk(v, key)
        elif re.search(r"PASSWORD|PWD|SECRET", key) and node:
            assert str(node).startswith("${") or "${" in str(node), f"{key}={node} is literal"

    walk(compose())


def test_the_proxy_config_is_generated_and_lists_the_api_services() -> None:
    services = compose()["services"]
    apis = sorted(name for name, s in services.items() if s.get("command") == ["api"])
    expected = render("*:8000", [f"{name}:8000" for name in apis], dns="127.0.0.11:53")
    assert (DEPLOY / "haproxy.cfg").read_text() == expected, \
        "regenerate: python -m giaoviec.programs.haproxy_config --dns 127.0.0.11:53 " \
        + " ".join(f"{name}:8000" for name in apis) + " > deploy/haproxy.cfg"


@pytest.mark.parametrize("config", ["deploy", "cluster"])
def test_haproxy_accepts_the_generated_config(config: str, tmp_path: Path) -> None:
    haproxy = shutil.which("haproxy")
    if haproxy is None:
        need("HAProxy", "apt-get install haproxy (.ci/run installs it)")
    path = DEPLOY / "haproxy.cfg"
    if config == "cluster":
        path = tmp_path / "haproxy.cfg"
        path.write_text(render("127.0.0.1:18000", ["127.0.0.1:18001", "127.0.0.1:18002"]))
    done = subprocess.run([haproxy, "-c", "-f", str(path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_k8s_manifests_are_valid_kubernetes() -> None:
    documents = k8s_documents()
    assert documents
    for doc in documents:
        try:
            kubernetes_validate.validate(doc, K8S_VERSION, strict=True)
        except kubernetes_validate.ValidationError as err:
            raise AssertionError(f"{doc['kind']}/{doc['metadata']['name']}: {err}") from err


def test_k8s_manifests_hold_together() -> None:
    by_kind: dict[str, dict[str, dict[str, Any]]] = {}
    for doc in k8s_documents():
        by_kind.setdefault(doc["kind"], {})[doc["metadata"]["name"]] = doc
    deployments = by_kind["Deployment"]
    assert set(deployments) == {"giaoviec-api", "giaoviec-worker"}
    for name, deployment in deployments.items():
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        for container in deployment["spec"]["template"]["spec"]["containers"]:
            assert container["args"][0] in ROLES
            assert container["livenessProbe"]["httpGet"]["path"] == "/health/live"
            assert container["readinessProbe"]["httpGet"]["path"] == "/health/ready"
            assert {"requests", "limits"} <= set(container["resources"])
        hpa = by_kind["HorizontalPodAutoscaler"][name]
        assert hpa["spec"]["scaleTargetRef"]["name"] == name
        pdb = by_kind["PodDisruptionBudget"][name]
        assert pdb["spec"]["selector"]["matchLabels"].items() <= labels.items()
        assert hpa["spec"]["minReplicas"] > pdb["spec"]["minAvailable"]
    service = by_kind["Service"]["giaoviec-api"]
    api_labels = deployments["giaoviec-api"]["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= api_labels.items()
    backend = by_kind["Ingress"]["giaoviec"]["spec"]["rules"][0]["http"]["paths"][0]["backend"]
    assert backend["service"]["name"] == "giaoviec-api"
    jobs = {job["spec"]["template"]["spec"]["containers"][0]["args"][0]
            for job in by_kind["Job"].values()}
    assert jobs == {"migrate", "schedules"}
    config = by_kind["ConfigMap"]["giaoviec"]["data"]
    assert not any(re.search(r"PASSWORD|SECRET", key) for key in config)


def test_temporal_helm_values_use_postgresql_from_a_secret() -> None:
    values = yaml.safe_load((DEPLOY / "k8s" / "temporal" / "values.yaml").read_text())
    persistence = values["server"]["config"]["persistence"]
    for store in ("default", "visibility"):
        sql = persistence[store]["sql"]
        assert persistence[store]["driver"] == "sql" and sql["driver"] == "postgres12"
        assert sql["existingSecret"] and "password" not in sql
    assert persistence["default"]["sql"]["database"] != persistence["visibility"]["sql"]["database"]
    assert values["server"]["config"]["numHistoryShards"] >= 1
    for bundled in ("cassandra", "mysql", "postgresql", "elasticsearch"):
        assert values[bundled]["enabled"] is False
    assert {"name": "giaoviec", "retention": "3650d"} in values["server"]["config"]["namespaces"][
        "namespace"]


def test_production_temporal_has_the_cluster_shapes_history_cache_bound() -> None:
    # The stand-in (`make cluster`'s dev server) and production keep the same bound.
    dynamic = yaml.safe_load((DEPLOY / "temporal-dynamicconfig.yaml").read_text())
    assert {key: values[0]["value"] for key, values in dynamic.items()} \
        == TEMPORAL_DYNAMIC_CONFIG
    temporal = compose()["services"]["temporal"]
    path = temporal["environment"]["DYNAMIC_CONFIG_FILE_PATH"]
    assert f"./temporal-dynamicconfig.yaml:{path}:ro" in temporal["volumes"]
    values = yaml.safe_load((DEPLOY / "k8s" / "temporal" / "values.yaml").read_text())
    assert values["server"]["dynamicConfig"] == dynamic


def test_the_dockerfile_copies_what_exists_and_runs_giaoviec() -> None:
    text = (ROOT / "Dockerfile").read_text()
    for line in text.splitlines():
        if line.startswith("COPY ") and "--from" not in line:
            for source in line.split()[1:-1]:
                assert (ROOT / source).exists(), f"Dockerfile copies missing {source}"
    assert 'ENTRYPOINT ["giaoviec"]' in text
    # Every role the deploy files start is a command of the CLI.
    for role in ROLES:
        with pytest.raises(SystemExit) as exit_info:
            cli_main([role, "--help"])
        assert exit_info.value.code == 0

"""deploy/helm/holdoff: ``helm lint`` and ``helm template`` through Helm's own Go SDK (helm-python-sdk
ships it as a shared library; there is no helm binary here), and the rendered manifests validated
against the Kubernetes JSON schemas (kubernetes-validate)."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import helm_python as helm
import kubernetes_validate
import pytest
import yaml

from holdoff.settings import load_settings
from tests.deploy.helpers import DEPLOY

CHART = DEPLOY / "helm" / "holdoff"
KUBERNETES = "1.30.0"
VALUES: dict[str, Any] = {
    "secrets": {
        "databaseUrl": "postgresql+psycopg://holdoff:secret@postgres.example:5432/holdoff",
        "ingestToken": "ingest-token-0123456789abcdef",
        "extra": {"TEAMS_WEBHOOK_URL": "https://teams.example/hook"},
    },
    "publicUrl": "https://holdoff.example.com",
    "allowedHosts": ["holdoff.example.com"],
}


def render(values: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """``helm template prod deploy/helm/holdoff --namespace ops``: the manifests by kind."""
    with helm.Chart.load(CHART) as chart:
        rendered = chart.render(values, name="prod", namespace="ops")
    manifests: dict[str, dict[str, Any]] = {}
    for text in rendered.values():
        for document in yaml.safe_load_all(text):
            if document:
                assert document["kind"] not in manifests
                manifests[document["kind"]] = document
    return manifests


@pytest.fixture(scope="module")
def manifests() -> dict[str, dict[str, Any]]:
    return render(VALUES)


def test_helm_lint_is_clean() -> None:
    report = helm.lint(CHART, VALUES, strict=True, kube_version=f"v{KUBERNETES}")
    assert report["errors"] == []
    problems = [message for message in report["messages"] if message["severity"] >= 2]
    assert problems == []


def test_rendered_manifests_are_valid_kubernetes_objects(manifests: dict[str, dict[str, Any]]) -> None:
    assert set(manifests) == {"Deployment", "Service", "ConfigMap", "Secret", "PodDisruptionBudget"}
    for manifest in manifests.values():
        kubernetes_validate.validate(manifest, KUBERNETES, strict=True)


def test_deployment_runs_three_non_root_replicas_probed_on_health(
    manifests: dict[str, dict[str, Any]],
) -> None:
    deployment = manifests["Deployment"]["spec"]
    assert deployment["replicas"] == 3
    pod = deployment["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True and pod["securityContext"]["runAsUser"] == 10001
    (container,) = pod["containers"]
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    assert container["args"] == [
        "serve",
        "--host",
        "0.0.0.0",
        "--port",
        "5000",
        "--config",
        "/etc/holdoff/holdoff.yaml",
    ]
    assert container["livenessProbe"]["httpGet"] == {"path": "/health", "port": "http"}
    assert container["readinessProbe"]["httpGet"] == {"path": "/ready", "port": "http"}
    assert container["ports"] == [{"name": "http", "containerPort": 5000, "protocol": "TCP"}]


def test_service_and_disruption_budget_select_the_deployments_pods(
    manifests: dict[str, dict[str, Any]],
) -> None:
    pod_labels = manifests["Deployment"]["spec"]["template"]["metadata"]["labels"]
    assert manifests["Deployment"]["spec"]["selector"]["matchLabels"].items() <= pod_labels.items()
    assert manifests["Service"]["spec"]["selector"].items() <= pod_labels.items()
    budget = manifests["PodDisruptionBudget"]["spec"]
    assert budget["selector"]["matchLabels"].items() <= pod_labels.items()
    assert budget["maxUnavailable"] == 1
    assert manifests["Service"]["spec"]["ports"][0]["targetPort"] == "http"


def test_pod_environment_from_the_secret_and_config_map_is_a_valid_configuration(
    manifests: dict[str, dict[str, Any]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the pod would see: every variable (from the Secret or literal) and holdoff.yaml from the
    ConfigMap load as Holdoff settings."""
    secret = manifests["Secret"]
    (container,) = manifests["Deployment"]["spec"]["template"]["spec"]["containers"]
    for variable in container["env"]:
        if "value" in variable:
            value = variable["value"]
        else:
            reference = variable["valueFrom"]["secretKeyRef"]
            assert reference["name"] == secret["metadata"]["name"]
            value = base64.b64decode(secret["data"][reference["key"]]).decode()
        monkeypatch.setenv(variable["name"], value)
    (mount,) = [m for m in container["volumeMounts"] if m["name"] == "config"]
    config = tmp_path / "holdoff.yaml"
    config.write_text(manifests["ConfigMap"]["data"]["holdoff.yaml"])
    assert container["args"][-1] == f"{mount['mountPath']}/holdoff.yaml"
    settings = load_settings(config_file=config)
    assert settings.resolved_database_url == VALUES["secrets"]["databaseUrl"]
    token = settings.sources.token_for("generic")
    assert token is not None and token.get_secret_value() == VALUES["secrets"]["ingestToken"]
    assert settings.server.allowed_hosts == ["prod-holdoff", "holdoff.example.com"]
    assert settings.resolved_public_url == "https://holdoff.example.com"
    assert settings.policy.grace_seconds == 600
    assert settings.channel_names == {"teams"}


def test_an_existing_secret_replaces_the_charts_own() -> None:
    manifests = render({"secrets": {"existingSecret": "holdoff-credentials"}})
    assert "Secret" not in manifests
    (container,) = manifests["Deployment"]["spec"]["template"]["spec"]["containers"]
    names = {v["valueFrom"]["secretKeyRef"]["name"] for v in container["env"] if "valueFrom" in v}
    assert names == {"holdoff-credentials"}


def test_rendering_without_a_database_url_names_the_missing_value() -> None:
    with pytest.raises(helm.HelmError, match=r"secrets\.databaseUrl"):
        render({"secrets": {"ingestToken": "ingest-token-0123456789abcdef"}})

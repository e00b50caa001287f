"""One service identity across sources: every alert gets a ``service`` (and ``environment``) label from
the labels its source uses, the same through a webhook route and through ``holdoff replay``."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

import holdoff.ingest.config as sources_config
import holdoff.ingest.naming as naming_module
from holdoff.api.app import create_app
from holdoff.ingest.identity import label_set_fingerprint
from holdoff.ingest.naming import DEFAULTS, ServiceNaming, name_service
from holdoff.ingest.registry import BY_NAME, NAMES
from holdoff.ingest.source import parse_named
from holdoff.mediate.model import Action, AlertEvent
from holdoff.replay.stream import parse_lines
from holdoff.runtime import Runtime
from holdoff.settings import Settings
from holdoff.settings.file import ConfigError
from holdoff.settings.loading import load_settings

ROOT = Path(__file__).resolve().parents[2]
PAYLOADS = ROOT / "tests" / "fixtures" / "payloads"
PLAIN = Settings(sns_verify_signatures=False)


def sample(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((PAYLOADS / name).read_text(encoding="utf-8"))
    return data


def alertmanager(labels: dict[str, str], *, fingerprint: bool = True) -> dict[str, Any]:
    """The firing sample with these labels on its alert (without its fingerprint when asked)."""
    body = sample("alertmanager-webhook-firing.json")
    alert = body["alerts"][0]
    alert["labels"] = {**alert["labels"], **labels}
    if not fingerprint:
        del alert["fingerprint"]
    return body


def coralogix(**values: str) -> dict[str, Any]:
    """Coralogix's default template with its placeholders filled in (``$SUBSYSTEM_NAME`` -> ``subsystem``)."""
    filled = {
        "$ALERT_ID": "cx-1",
        "$ALERT_NAME": "Errors in checkout",
        "$ALERT_ACTION": "TRIGGERED",
        "$EVENT_SEVERITY": "error",
        "$SUBSYSTEM_NAME": values.get("subsystem", "checkout"),
        "$APPLICATION_NAME": values.get("application", "production"),
        "$TEAM_NAME": "shop",
    }
    text = (PAYLOADS / "coralogix-webhook-default-template.json").read_text(encoding="utf-8")
    for placeholder, value in sorted(filled.items(), key=lambda item: -len(item[0])):
        text = text.replace(f'"{placeholder}"', json.dumps(value))
    body: dict[str, Any] = json.loads(text)
    return body


def cloudwatch(dimensions: list[dict[str, str]] | None = None) -> dict[str, Any]:
    """The SNS sample, with these ``Trigger.Dimensions`` when given."""
    envelope = sample("cloudwatch-alarm-sns.json")
    if dimensions is not None:
        message = json.loads(envelope["Message"])
        message["Trigger"]["Dimensions"] = dimensions
        envelope["Message"] = json.dumps(message)
    return envelope


def named(source: str, body: dict[str, Any], settings: Settings = PLAIN) -> list[AlertEvent]:
    return parse_named(BY_NAME[source], body, settings)


def one(source: str, body: dict[str, Any], settings: Settings = PLAIN) -> AlertEvent:
    (event,) = named(source, body, settings)
    return event


def with_naming(naming: dict[str, Any]) -> Settings:
    return Settings(sns_verify_signatures=False, sources={"naming": naming})


# --- each source's defaults -------------------------------------------------------------------------


def test_every_source_of_the_registry_has_a_naming_entry() -> None:
    assert {name.replace("-", "_") for name in NAMES} == set(DEFAULTS)
    naming = ServiceNaming()
    assert all(naming.of(name) is not None for name in NAMES)
    assert naming.of("logs") is None


def test_alertmanager_falls_back_to_the_job() -> None:
    event = one("alertmanager", alertmanager({"job": "payments-api"}))
    assert event.labels["service"] == "payments-api"


def test_alertmanager_prefers_the_kubernetes_app_name_to_the_job() -> None:
    labels = {"job": "kube-state-metrics", "app_kubernetes_io_name": "checkout", "env": "staging"}
    event = one("alertmanager", alertmanager(labels))
    assert (event.labels["service"], event.labels["environment"]) == ("checkout", "staging")


def test_alertmanager_without_any_naming_label_gets_none() -> None:
    event = one("alertmanager", sample("alertmanager-webhook-firing.json"))
    assert "service" not in event.labels and "environment" not in event.labels


def test_coralogix_subsystem_is_the_service_and_application_the_environment() -> None:
    body = coralogix(subsystem="checkout", application="production")
    body["service"] = "$SERVICE"  # left unfilled by Coralogix: only the subsystem names the service
    event = one("coralogix", body)
    assert event.labels["service"] == "checkout"
    assert event.labels["environment"] == "production"
    assert event.labels["subsystem"] == "checkout" and event.labels["application"] == "production"


def test_cloudwatch_names_the_service_by_its_dimension() -> None:
    event = one("cloudwatch", cloudwatch())
    assert event.labels["service"] == "i-0abc123def4567890"  # the sample's InstanceId
    ecs = [{"name": "ClusterName", "value": "shop"}, {"name": "ServiceName", "value": "orders"}]
    assert one("cloudwatch", cloudwatch(ecs)).labels["service"] == "orders"
    rds = [{"name": "DBInstanceIdentifier", "value": "orders-db"}]
    assert one("cloudwatch", cloudwatch(rds)).labels["service"] == "orders-db"


def test_cloudwatch_load_balancer_and_target_group_are_named_without_their_ids() -> None:
    alb = [{"name": "LoadBalancer", "value": "app/web-alb/50dc6c495c0c9188"}]
    assert one("cloudwatch", cloudwatch(alb)).labels["service"] == "web-alb"
    group = [*alb, {"name": "TargetGroup", "value": "targetgroup/checkout/73e2d6bc24d8a067"}]
    assert one("cloudwatch", cloudwatch(group)).labels["service"] == "checkout"


def test_aws_health_keeps_the_aws_service_it_names() -> None:
    event = one("aws-health", sample("aws-health-eventbridge-issue.json"))
    assert event.labels["service"] == "FAKE"
    assert "environment" not in event.labels


def test_security_hub_names_the_resource_the_finding_is_about() -> None:
    event = one("securityhub", sample("securityhub-finding-asff.json"))
    assert event.labels["service"] == "i-0abc123def4567890"
    assert event.labels["resource_id"] == "arn:aws:ec2:us-east-1:111122223333:instance/i-0abc123def4567890"


def test_security_hub_and_cloudwatch_name_the_same_instance_alike() -> None:
    finding = one("securityhub", sample("securityhub-finding-asff.json"))
    alarm = one("cloudwatch", cloudwatch())
    assert finding.labels["service"] == alarm.labels["service"]


def test_a_finding_about_the_whole_account_names_no_service() -> None:
    body = sample("securityhub-finding-asff.json")
    body["detail"]["findings"][0]["Resources"] = [{"Type": "AwsAccount", "Id": "AWS::::Account:111122223333"}]
    assert "service" not in one("securityhub", body).labels


def test_grafana_keeps_its_service_label() -> None:
    body = sample("grafana-webhook-firing.json")
    body["alerts"][0]["labels"]["job"] = "grafana-rules"
    event = one("grafana", body)
    assert event.labels["service"] == "checkout"


def test_generic_takes_the_app_label() -> None:
    body = {
        "id": "disk-full-db1",
        "name": "Disk full",
        "status": "firing",
        "labels": {"app": "db", "env": "prod"},
    }
    event = one("generic", body)
    assert (event.labels["service"], event.labels["environment"]) == ("db", "prod")


# --- what the source said stays -----------------------------------------------------------------------


def test_an_explicit_service_label_wins_over_every_rule() -> None:
    settings = with_naming(
        {"aliases": {"payments-api": "payments"}, "rewrite": [{"match": "-api$", "replace": ""}]}
    )
    body = alertmanager({"service": "payments-api", "job": "node", "environment": "prod", "env": "dev"})
    event = one("alertmanager", body, settings)
    assert event.labels["service"] == "payments-api"
    assert event.labels["environment"] == "prod"


def test_the_fingerprint_and_the_raw_labels_do_not_change() -> None:
    labels = {"job": "payments-api", "env": "prod"}
    body = alertmanager(labels, fingerprint=False)
    bare = BY_NAME["alertmanager"].parse(copy.deepcopy(body), PLAIN)[0]
    event = one("alertmanager", body)
    assert event.fingerprint == bare.fingerprint == label_set_fingerprint(bare.labels)
    assert event.labels == {**bare.labels, "service": "payments-api", "environment": "prod"}
    assert (event.source, event.action, event.name, event.raw) == (
        bare.source,
        bare.action,
        bare.name,
        bare.raw,
    )


def test_an_event_with_nothing_to_add_is_returned_as_it_is() -> None:
    event = AlertEvent("alertmanager", "f1", Action.TRIGGERED, labels={"service": "a", "environment": "b"})
    assert name_service("alertmanager", event, ServiceNaming()) is event
    other = AlertEvent("logs", "f2", Action.TRIGGERED, labels={"job": "x"})
    assert name_service("logs", other, ServiceNaming()) is other  # not a webhook source: left alone


def test_naming_turned_off_adds_nothing() -> None:
    event = one("alertmanager", alertmanager({"job": "payments-api"}), with_naming({"enabled": False}))
    assert "service" not in event.labels


# --- configuration -------------------------------------------------------------------------------------


def test_rewrites_then_aliases_shape_a_derived_name() -> None:
    settings = with_naming(
        {
            "rewrite": [{"match": "-(worker|consumer)$", "replace": ""}],
            "aliases": {"payments-api": "payments"},
            "environment_aliases": {"prd": "production"},
        }
    )
    assert (
        one("alertmanager", alertmanager({"job": "billing-worker"}), settings).labels["service"] == "billing"
    )
    event = one("alertmanager", alertmanager({"job": "payments-api", "env": "prd"}), settings)
    assert (event.labels["service"], event.labels["environment"]) == ("payments", "production")


def test_a_rewrite_with_groups_and_one_that_leaves_nothing_tries_the_next_label() -> None:
    settings = with_naming(
        {
            "alertmanager": {
                "service": ["app", "job"],
                "rewrite": [
                    {"match": r"^(?P<team>\w+)/(\w+)$", "replace": r"\g<team>-\2"},
                    {"match": "^POD$", "replace": ""},
                ],
            }
        }
    )
    assert one("alertmanager", alertmanager({"app": "shop/cart"}), settings).labels["service"] == "shop-cart"
    assert (
        one("alertmanager", alertmanager({"app": "POD", "job": "cart"}), settings).labels["service"] == "cart"
    )


def test_a_source_entry_replaces_only_the_fields_written() -> None:
    naming = ServiceNaming.model_validate({"coralogix": {"service": ["subsystem", "application"]}})
    assert naming.coralogix.service == ("subsystem", "application")
    assert naming.coralogix.environment == DEFAULTS["coralogix"].environment
    health = ServiceNaming.model_validate({"aws-health": {"environment": ["stage"]}})
    assert health.aws_health.environment == ("stage",)
    cloudwatch = ServiceNaming.model_validate({"cloudwatch": {"service": ["dim_QueueName"]}})
    assert cloudwatch.cloudwatch.rewrite == DEFAULTS["cloudwatch"].rewrite


@pytest.mark.parametrize(
    ("naming", "said"),
    [
        ({"coralogx": {}}, r"unknown source 'coralogx'; known sources: coralogix, alertmanager"),
        ({"alertmanager": {"services": ["app"]}}, r"alertmanager\.services.*Extra inputs are not permitted"),
        ({"alertmanager": {"service": ["holdoff_error_logs"]}}, r"labels starting with 'holdoff_'"),
        ({"rewrite": [{"match": "(", "replace": ""}]}, r"rewrite\.0\.match.*regular expression"),
        (
            {"rewrite": [{"match": "-api$", "replace": r"\1"}]},
            r"does not fit '-api\$'.*invalid group reference",
        ),
        ({"aliases": {"payments-api": ""}}, r"aliases\.payments-api.*at least 1 character"),
    ],
)
def test_invalid_naming_is_refused_with_what_is_wrong(naming: dict[str, Any], said: str) -> None:
    with pytest.raises(ValidationError, match=f"(?s){said}"):
        ServiceNaming.model_validate(naming)


def test_a_wrong_naming_in_the_yaml_file_names_its_line(tmp_path: Path) -> None:
    config = tmp_path / "holdoff.yaml"
    config.write_text("sources:\n  naming:\n    alertmanager:\n      servce: [app]\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"sources\.naming\.alertmanager\.servce \(holdoff\.yaml line 4\)"):
        load_settings(config_file=config)


def test_the_example_in_configuration_md_loads_as_written(tmp_path: Path) -> None:
    text = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    blocks = [b for b in re.findall(r"```yaml\n(.*?)```", text, re.S) if b.startswith("sources:\n  naming:")]
    assert blocks
    for block in blocks:
        config = tmp_path / "holdoff.yaml"
        config.write_text(block, encoding="utf-8")
        naming = load_settings(config_file=config).sources.naming
        assert naming.aliases["payments-api"] == "payments"
        assert naming.coralogix.service == ("subsystem", "application")
        settings = Settings(sns_verify_signatures=False, sources={"naming": naming})
        assert (
            one("alertmanager", alertmanager({"job": "billing-worker"}), settings).labels["service"]
            == "billing"
        )


def test_the_examples_in_the_module_docstrings_load_as_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOLDOFF_INGEST_TOKEN", "shared-token-0123456789")
    monkeypatch.setenv("AM_TOKEN", "alertmanager-token-0123456789")
    for module in (naming_module, sources_config):
        (block,) = re.findall(r"```yaml\n(.*?)```", module.__doc__ or "", re.S)
        config = tmp_path / "holdoff.yaml"
        config.write_text(block, encoding="utf-8")
        naming = load_settings(config_file=config).sources.naming
        assert naming.aliases == {"payments-api": "payments"}, module.__name__


# --- the service and replay name alike -------------------------------------------------------------------


@pytest.fixture
def client(database_url: str) -> Iterator[TestClient]:
    config = Settings(database_url=database_url, sns_verify_signatures=False)
    with TestClient(
        create_app(Runtime(config, channels={}, run_workers=False)), base_url="http://127.0.0.1"
    ) as client:
        yield client


def test_a_webhook_and_its_replay_line_get_the_same_service(client: TestClient) -> None:
    settings: Settings = client.app.state.runtime.settings  # type: ignore[attr-defined]
    bodies = [
        ("coralogix", coralogix(subsystem="checkout")),
        ("alertmanager", alertmanager({"job": "payments-api"})),
        ("cloudwatch", cloudwatch()),
        ("securityhub", sample("securityhub-finding-asff.json")),
    ]
    for source, body in bodies:
        response = client.post(BY_NAME[source].endpoint, json=body)
        assert response.status_code == 202, response.text
    items = client.get("/alerts", params={"limit": 50}).json()["items"]
    over_http = {(item["source"], item["fingerprint"]): item["labels"].get("service") for item in items}
    lines = [
        json.dumps({"at": "2026-11-22T08:00:00Z", "webhook": source, "body": body}) for source, body in bodies
    ]
    replayed = {
        (item.event.source, item.event.fingerprint): item.event.labels.get("service")
        for item in parse_lines(lines, settings)
    }
    assert over_http == replayed
    assert sorted(over_http.values()) == [
        "checkout",
        "i-0abc123def4567890",
        "i-0abc123def4567890",
        "payments-api",
    ]

"""deploy/aws: the CloudFormation template passes cfn-lint, the Terraform module parses (python-hcl2),
and both send what Holdoff takes: each source to its registered webhook path, with the ingest token
where Holdoff reads it, and EventBridge patterns that match the events Holdoff's parsers are tested on."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import hcl2
import pytest
import yaml

from holdoff.ingest.registry import BY_NAME
from tests.deploy.helpers import DEPLOY, token_holdoff_reads

TEMPLATE = DEPLOY / "aws" / "holdoff-events.yaml"
TERRAFORM = DEPLOY / "aws" / "terraform"
PAYLOADS = Path(__file__).resolve().parents[1] / "fixtures" / "payloads"
TOKEN = "ingest-token-0123456789abcdef"
EVENT_SOURCES = ("aws-health", "securityhub")
"""The sources EventBridge API destinations post to; CloudWatch alarms come through SNS."""


class CloudFormationLoader(yaml.SafeLoader):
    """YAML with CloudFormation's short forms (``!Ref x`` -> ``{"Ref": x}``, ``!Sub`` -> ``Fn::Sub``)."""


def _intrinsic(loader: CloudFormationLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if suffix == "GetAtt":
            value = str(value).split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {"Ref" if suffix == "Ref" else f"Fn::{suffix}": value}


CloudFormationLoader.add_multi_constructor("!", _intrinsic)


def template() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.load(TEMPLATE.read_text(), Loader=CloudFormationLoader)
    return loaded


def resources(kind: str) -> dict[str, dict[str, Any]]:
    return {name: r["Properties"] for name, r in template()["Resources"].items() if r["Type"] == kind}


def terraform() -> dict[str, dict[str, dict[str, Any]]]:
    """Every ``resource``, ``data``, ``variable`` and ``locals`` block of the module, by type and name."""
    options = hcl2.SerializationOptions(with_comments=False, explicit_blocks=False, strip_string_quotes=True)
    blocks: dict[str, dict[str, dict[str, Any]]] = {}
    for path in sorted(TERRAFORM.glob("*.tf")):
        with path.open() as file:
            parsed = hcl2.load(file, serialization_options=options)
        for kind in ("resource", "data"):
            for entry in parsed.get(kind, []):
                for block_type, named in entry.items():
                    for name, body in named.items():
                        blocks.setdefault(f"{kind}.{block_type}", {})[name] = body
        for entry in parsed.get("variable", []):
            blocks.setdefault("variable", {}).update(entry)
        for entry in parsed.get("locals", []):
            blocks.setdefault("locals", {}).update(entry)
    return blocks


def matches(pattern: dict[str, Any], event: dict[str, Any]) -> bool:
    """EventBridge matching for the patterns used here: each field's value is one of the listed ones."""
    for field, wanted in pattern.items():
        value = event.get(field)
        if isinstance(wanted, dict):
            if not isinstance(value, dict) or not matches(wanted, value):
                return False
        elif value not in wanted:
            return False
    return True


def fixture_events(source: str) -> list[dict[str, Any]]:
    names = {
        "aws-health": ["aws-health-eventbridge-issue.json", "aws-health-eventbridge-lifecycle.json"],
        "securityhub": ["securityhub-finding-asff.json"],
    }[source]
    return [json.loads((PAYLOADS / name).read_text()) for name in names]


# --- CloudFormation -------------------------------------------------------------------------------


def test_cfn_lint_finds_nothing() -> None:
    cfn_lint = Path(sys.executable).parent / "cfn-lint"
    result = subprocess.run([str(cfn_lint), str(TEMPLATE)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_eventbridge_connection_sends_the_ingest_token_as_a_header_holdoff_reads() -> None:
    (connection,) = resources("AWS::Events::Connection").values()
    assert connection["AuthorizationType"] == "API_KEY"
    key = connection["AuthParameters"]["ApiKeyAuthParameters"]
    assert key["ApiKeyValue"] == {"Ref": "IngestToken"}
    assert template()["Parameters"]["IngestToken"]["NoEcho"] is True
    assert token_holdoff_reads({key["ApiKeyName"]: TOKEN}) == TOKEN


def test_each_event_source_goes_to_its_registered_webhook() -> None:
    destinations = resources("AWS::Events::ApiDestination")
    rules = resources("AWS::Events::Rule")
    endpoints = {}
    for name, destination in destinations.items():
        assert destination["ConnectionArn"] == {"Fn::GetAtt": ["Connection", "Arn"]}
        assert destination["HttpMethod"] == "POST"
        endpoints[name] = destination["InvocationEndpoint"]["Fn::Sub"]
    expected = {f"${{HoldoffUrl}}{BY_NAME[source].endpoint}" for source in EVENT_SOURCES}
    assert set(endpoints.values()) == expected
    for rule in rules.values():
        (target,) = rule["Targets"]
        destination = target["Arn"]["Fn::GetAtt"][0]
        source = endpoints[destination].rsplit("/", 1)[1]
        assert target["RoleArn"] == {"Fn::GetAtt": ["InvokeRole", "Arn"]}
        assert target["DeadLetterConfig"] == {"Arn": {"Fn::GetAtt": ["DeadLetterQueue", "Arn"]}}
        assert target["RetryPolicy"]["MaximumEventAgeInSeconds"] == 86400
        for event in fixture_events(source):
            assert matches(rule["EventPattern"], event), (source, event.get("detail-type"))
    assert len(rules) == len(EVENT_SOURCES)


def test_securityhub_rule_takes_both_formats_and_every_workflow_state() -> None:
    (pattern,) = [
        rule["EventPattern"]
        for rule in resources("AWS::Events::Rule").values()
        if "aws.securityhub" in rule["EventPattern"]["source"]
    ]
    assert pattern == {
        "source": ["aws.securityhub"],
        "detail-type": ["Security Hub Findings - Imported", "Findings Imported V2"],
    }
    ocsf = {"source": "aws.securityhub", "detail-type": "Findings Imported V2", "detail": {}}
    assert matches(pattern, ocsf)


def test_eventbridge_may_invoke_only_holdoffs_destinations() -> None:
    (role,) = resources("AWS::IAM::Role").values()
    (statement,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "events.amazonaws.com"}
    (policy,) = role["Policies"]
    (allow,) = policy["PolicyDocument"]["Statement"]
    assert allow["Action"] == "events:InvokeApiDestination"
    assert allow["Resource"] == [
        {"Fn::GetAtt": [name, "Arn"]} for name in resources("AWS::Events::ApiDestination")
    ]


def test_cloudwatch_alarms_reach_holdoff_through_an_sns_https_subscription() -> None:
    (subscription,) = resources("AWS::SNS::Subscription").values()
    assert subscription["Protocol"] == "https"
    assert subscription["TopicArn"] == {"Ref": "AlarmTopic"}
    assert subscription["RawMessageDelivery"] is False  # Holdoff verifies the signed envelope
    endpoint = subscription["Endpoint"]["Fn::Sub"]
    path, _, query = endpoint.removeprefix("${HoldoffUrl}").partition("?")
    assert path == BY_NAME["cloudwatch"].endpoint
    assert query == "token=${IngestToken}"
    assert token_holdoff_reads({}, query=query.replace("${IngestToken}", TOKEN)) == TOKEN
    assert template()["Outputs"]["AlarmTopicArn"]["Value"] == {"Ref": "AlarmTopic"}


# --- Terraform ------------------------------------------------------------------------------------


def test_terraform_module_makes_the_same_resources() -> None:
    blocks = terraform()
    assert set(blocks["resource.aws_cloudwatch_event_api_destination"]) == {"holdoff"}
    for kind in (
        "resource.aws_cloudwatch_event_connection",
        "resource.aws_cloudwatch_event_rule",
        "resource.aws_cloudwatch_event_target",
        "resource.aws_iam_role",
        "resource.aws_iam_role_policy",
        "resource.aws_sqs_queue",
        "resource.aws_sqs_queue_policy",
        "resource.aws_sns_topic",
        "resource.aws_sns_topic_policy",
        "resource.aws_sns_topic_subscription",
    ):
        assert kind in blocks, kind
    assert blocks["variable"]["ingest_token"]["sensitive"] is True


def test_terraform_sends_each_source_to_its_webhook_with_the_same_patterns() -> None:
    blocks = terraform()
    sources = blocks["locals"]["event_sources"]
    assert set(sources) == set(EVENT_SOURCES)
    destination = blocks["resource.aws_cloudwatch_event_api_destination"]["holdoff"]
    assert destination["for_each"] == "${local.event_sources}"
    cfn_patterns = sorted(
        json.dumps(rule["EventPattern"], sort_keys=True) for rule in resources("AWS::Events::Rule").values()
    )
    assert sorted(json.dumps(s["pattern"], sort_keys=True) for s in sources.values()) == cfn_patterns
    for source in sources:
        endpoint = destination["invocation_endpoint"].replace("${each.key}", source)
        assert endpoint == f"${{var.holdoff_url}}{BY_NAME[source].endpoint}"
    (auth,) = blocks["resource.aws_cloudwatch_event_connection"]["holdoff"]["auth_parameters"]
    (api_key,) = auth["api_key"]
    assert api_key["value"] == "${var.ingest_token}"
    assert token_holdoff_reads({api_key["key"]: TOKEN}) == TOKEN
    target = blocks["resource.aws_cloudwatch_event_target"]["holdoff"]
    assert target["arn"] == "${aws_cloudwatch_event_api_destination.holdoff[each.key].arn}"
    assert target["role_arn"] == "${aws_iam_role.invoke.arn}"


def test_terraform_subscribes_holdoff_to_the_alarm_topic_with_the_token_in_the_query() -> None:
    subscription = terraform()["resource.aws_sns_topic_subscription"]["holdoff"]
    assert subscription["protocol"] == "https"
    assert subscription["raw_message_delivery"] is False
    assert (
        subscription["endpoint"]
        == f"${{var.holdoff_url}}{BY_NAME['cloudwatch'].endpoint}?token=${{var.ingest_token}}"
    )


@pytest.mark.parametrize("source", EVENT_SOURCES)
def test_fixture_events_are_ones_holdoff_parses(source: str) -> None:
    """The events the patterns are matched against above are ones Holdoff takes."""
    from holdoff.settings import Settings

    for event in fixture_events(source):
        assert BY_NAME[source].parse(event, Settings())

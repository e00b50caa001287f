"""The channel table: each type read from ``channels:`` by its ``type``, built and described through one shape."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from holdoff.notify.catalog import CHANNEL_TYPES, AnyChannelConfig, as_plugin
from holdoff.notify.registry import build_channels, describe_channels
from holdoff.notify.templates import DEFAULT
from holdoff.settings import Settings

GUID = "0a1b2c3d-0000-4000-8000-00000000000a"

# The least each type needs, in table order: a type added to the table without an entry here fails
# test_every_channel_type_of_the_table_has_an_example_here.
MINIMAL: dict[str, dict[str, Any]] = {
    "slack": {"webhook_url": "https://hooks.slack.test/services/T0/B0/secret-part"},
    "pagerduty": {"routing_key": "R0UT1NGk3y0f32charsXXXXXXXXXXXXX"},
    "opsgenie": {"api_key": "0a1b2c3d-opsgenie-key"},
    "webhook": {"url": "https://hooks.example.test/in"},
    "msgraph": {
        "tenant_id": GUID,
        "client_id": GUID,
        "client_secret": "graph-secret-value",
        "sender": "alerts@example.test",
        "recipients": ["oncall@example.test"],
    },
    "apprise": {"urls": ["json://hooks.example.test/apprise"]},
    "teams": {"webhook_url": "https://teams.example.test/workflows/1"},
    "email": {"sender": "holdoff@example.test", "recipients": ["oncall@example.test"]},
}

READ = TypeAdapter(AnyChannelConfig)


def test_every_channel_type_of_the_table_has_an_example_here() -> None:
    assert list(MINIMAL) == list(CHANNEL_TYPES)


@pytest.mark.parametrize("kind", list(CHANNEL_TYPES))
def test_an_entry_is_read_as_the_model_its_type_names_and_built_through_the_plugin_shape(kind: str) -> None:
    config = READ.validate_python({"name": f"the-{kind}", "type": kind, **MINIMAL[kind]})
    assert type(config) is CHANNEL_TYPES[kind]
    plugin = as_plugin(config)
    assert (plugin.name, plugin.type) == (f"the-{kind}", kind)
    channel = plugin.build(DEFAULT)
    try:
        assert channel.name == f"the-{kind}"
    finally:
        channel.close()


def test_settings_build_and_describe_every_type_of_the_table() -> None:
    entries = [{"name": f"the-{kind}", "type": kind, **fields} for kind, fields in MINIMAL.items()]
    settings = Settings(channels=entries)
    channels = build_channels(settings.channels, settings.delivery.templates_dir)
    try:
        assert {name for name in channels if name.startswith("the-")} == {f"the-{kind}" for kind in MINIMAL}
    finally:
        for channel in channels.values():
            channel.close()
    lines = describe_channels(settings.channels)
    for kind, model in CHANNEL_TYPES.items():
        (config,) = [entry for entry in settings.channels if isinstance(entry, model)]
        assert f"the-{kind}: {config.describe()}" in lines
    assert not any("secret-part" in line or "graph-secret-value" in line for line in lines)


def test_an_unknown_type_names_the_types_of_the_table() -> None:
    with pytest.raises(ValidationError) as caught:
        READ.validate_python({"name": "x", "type": "carrier-pigeon"})
    text = str(caught.value)
    assert "carrier-pigeon" in text
    assert all(f"'{kind}'" in text for kind in CHANNEL_TYPES)

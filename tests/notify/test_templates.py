"""Message templates: Holdoff's own per format, and overrides per channel type and kind from a directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from holdoff.mediate.model import NotificationKind
from holdoff.notify.email import build_email
from holdoff.notify.message import ActionLink, Fact, Message
from holdoff.notify.teams import TeamsChannel
from holdoff.notify.templates import DEFAULT, Templates
from tests.support.teams_receiver import TeamsReceiver


def message(kind: NotificationKind = NotificationKind.ESCALATED) -> Message:
    return Message(
        kind=kind,
        alert_id=7,
        occurrence=2,
        title="ESCALATED: <Disk> & more",
        summary="Disk is filling",
        facts=[Fact(name="Host", value="db-1")],
        url="https://holdoff.test/alerts/7",
        name="DiskFull",
        actions=[ActionLink(action="acknowledge", label="Acknowledge", url="https://holdoff.test/actions/t")],
    )


def test_default_formats_escape_what_they_must() -> None:
    assert DEFAULT.render("slack", message(), "md").startswith("*ESCALATED: &lt;Disk&gt; &amp; more*")
    html = DEFAULT.render("email", message(), "html")
    assert (
        "ESCALATED: &lt;Disk&gt; &amp; more" in html
        and '<a href="https://holdoff.test/actions/t">Acknowledge</a>' in html
    )
    text = DEFAULT.render("webhook", message(), "txt")
    assert (
        text.startswith("ESCALATED: <Disk> & more") and "Acknowledge: https://holdoff.test/actions/t" in text
    )


def test_an_override_per_type_and_kind_wins_then_per_type_then_default(tmp_path: Path) -> None:
    (tmp_path / "slack").mkdir()
    (tmp_path / "default").mkdir()
    (tmp_path / "slack" / "escalated.md.j2").write_text("PAGE {{ message.name }} ({{ kind }})")
    (tmp_path / "default" / "message.md.j2").write_text("ANY {{ message.name }}")
    templates = Templates(tmp_path)
    assert templates.render("slack", message(), "md") == "PAGE DiskFull (escalated)"
    assert templates.render("slack", message(NotificationKind.RESOLVED), "md") == "ANY DiskFull"
    assert templates.render("apprise", message(), "md") == "ANY DiskFull"
    assert templates.overridden("teams", message(), "md") == "ANY DiskFull"
    assert Templates().overridden("teams", message(), "md") is None


def test_a_template_using_an_unknown_field_fails_loudly(tmp_path: Path) -> None:
    (tmp_path / "default").mkdir()
    (tmp_path / "default" / "message.txt.j2").write_text("{{ message.nope }}")
    with pytest.raises(Exception, match="nope"):
        Templates(tmp_path).render("webhook", message(), "txt")


def test_mail_and_teams_use_overrides_from_the_templates_dir(
    tmp_path: Path, teams_receiver: TeamsReceiver
) -> None:
    (tmp_path / "email").mkdir()
    (tmp_path / "teams").mkdir()
    (tmp_path / "email" / "escalated.txt.j2").write_text("Ours: {{ message.name }}")
    (tmp_path / "email" / "escalated.html.j2").write_text("<p>Ours: {{ message.title }}</p>")
    (tmp_path / "teams" / "message.md.j2").write_text("Team text for {{ message.name }}")
    templates = Templates(tmp_path)
    mail = build_email(message(), "a@example.test", ["b@example.test"], templates)
    plain = mail.get_body(preferencelist=("plain",))
    html = mail.get_body(preferencelist=("html",))
    assert plain is not None and plain.get_content().strip() == "Ours: DiskFull"
    assert (
        html is not None and html.get_content().strip() == "<p>Ours: ESCALATED: &lt;Disk&gt; &amp; more</p>"
    )
    channel = TeamsChannel(teams_receiver.url, templates=templates)
    assert channel.send(message()).ok
    card = teams_receiver.wait_for(1)[0].json["attachments"][0]["content"]
    assert card["body"][1]["text"] == "Team text for DiskFull"
    assert [a["title"] for a in card["actions"]] == ["Acknowledge", "Open in Holdoff"]

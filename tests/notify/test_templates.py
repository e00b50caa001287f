"""Message templates: Holdoff's own per format, and overrides per channel type and kind from a directory."""

from __future__ import annotations

from pathlib import Path

import pytest
from jinja2.sandbox import ImmutableSandboxedEnvironment

from holdoff.mediate.model import NotificationKind
from holdoff.notify.email import build_email
from holdoff.notify.fallback import plain_text
from holdoff.notify.message import ActionLink, Fact, Message
from holdoff.notify.teams import TeamsChannel
from holdoff.notify.templates import DEFAULT, Templates, markdown
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


def _errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.levelname == "ERROR"]


def test_a_template_using_an_unknown_field_is_logged_and_holdoffs_own_is_used(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "default").mkdir()
    (tmp_path / "default" / "message.txt.j2").write_text("{{ message.nope }}")

    text = Templates(tmp_path).render("webhook", message(), "txt")

    assert text == DEFAULT.render("webhook", message(), "txt")
    [logged] = _errors(caplog)
    assert logged.startswith(f"template {tmp_path / 'default' / 'message.txt.j2'} failed, so this escalated")
    assert "uses Holdoff's default template instead: UndefinedError" in logged and "nope" in logged


def test_a_template_that_does_not_compile_is_logged_with_its_line_and_holdoffs_own_is_used(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "slack").mkdir()
    (tmp_path / "slack" / "message.md.j2").write_text("fine\n{{ message.title ")

    assert Templates(tmp_path).render("slack", message(), "md") == DEFAULT.render("slack", message(), "md")
    [logged] = _errors(caplog)
    assert "slack/message.md.j2 failed" in logged and "it does not compile" in logged and "(line 2)" in logged


ESCAPES = [
    "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    "{{ message.__class__.__init__.__globals__['sys'].modules['os'].popen('id').read() }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ lipsum.__globals__['os'].popen('id').read() }}",
    "{% set x = message.labels.update({'a': 'b'}) %}{{ message.labels }}",
]


@pytest.mark.parametrize("source", ESCAPES)
def test_the_sandbox_refuses_every_way_out_of_a_templates_dir_template(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, source: str
) -> None:
    (tmp_path / "default").mkdir()
    (tmp_path / "default" / "message.txt.j2").write_text(source)
    sent = message()

    text = Templates(tmp_path).render("webhook", sent, "txt")

    assert text == DEFAULT.render("webhook", sent, "txt")
    assert "uid=" not in text and sent.labels == {}
    [logged] = _errors(caplog)
    assert f"template {tmp_path / 'default' / 'message.txt.j2'} failed" in logged
    assert "the sandbox refused it" in logged
    assert "a template may read the message's fields and format them, nothing else" in logged


def test_holdoffs_own_templates_are_sandboxed_too() -> None:
    assert isinstance(DEFAULT._builtin, ImmutableSandboxedEnvironment)


def test_when_even_holdoffs_own_template_fails_the_message_is_sent_as_plain_text(
    caplog: pytest.LogCaptureFixture,
) -> None:
    templates = Templates()
    templates._builtin.filters["mrkdwn"] = _explode

    text = templates.render("slack", message(), "md")

    assert text == plain_text(message(), "md")
    assert text.startswith("ESCALATED: <Disk> & more\n\nDisk is filling\n\nHost: db-1\n")
    assert (
        "Open in Holdoff: https://holdoff.test/alerts/7\nAcknowledge: https://holdoff.test/actions/t" in text
    )
    [logged] = _errors(caplog)
    assert "Holdoff's own md template for a escalated message failed" in logged


def _explode(text: str) -> str:
    raise RuntimeError("boom")


def test_the_markdown_filter_escapes_what_could_make_a_link_emphasis_or_a_heading() -> None:
    assert markdown("[x](javascript:alert(1))") == "\\[x\\](javascript:alert(1))"
    assert markdown("*bold* _it_ `code` ~s~ <b> a|b & c") == (
        "\\*bold\\* \\_it\\_ \\`code\\` \\~s\\~ \\<b\\> a\\|b \\& c"
    )
    assert markdown("# head\n- item\n12. x\n  + y") == "\\# head\n\\- item\n12\\. x\n  \\+ y"
    assert markdown("api-1 at 1.5 (ok)") == "api-1 at 1.5 (ok)"


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

"""Masking (``holdoff.logs.mask``): each kind of parameter becomes its typed placeholder, words stay."""

from __future__ import annotations

import pytest

from holdoff.logs.mask import PLACEHOLDERS, mask, tokens

CASES = [
    # <IP>: v4, v6, with a port, Java's /address form, in brackets
    ("connect to 10.0.0.7 failed", "connect to <IP> failed"),
    ("peer 10.0.0.7:5432 closed", "peer <IP> closed"),
    ("from /10.251.42.84:50010 ok", "from <IP> ok"),
    ("addr 2607:f140:6000:8:c6b3:1ff:fecd:467f up", "addr <IP> up"),
    ("addr fe80::1 up", "addr <IP> up"),
    ("listen [::1]:8080 now", "listen <IP> now"),
    ("client [203.0.113.9] refused", "client [<IP>] refused"),
    ("rhost=203.0.113.9 user=root", "rhost=<IP> user=root"),
    # <HOST>: a name with a port, a name ending in a top-level domain
    ("proxy.example.com:3128 open", "<HOST> open"),
    ("connect db-1:5432 timed out", "connect <HOST> timed out"),
    ("resolved mail.example.org", "resolved <HOST>"),
    ("host www.example.co.uk down", "host <HOST> down"),
    # <NUM>: integers, decimals, signed, versions, 0x numbers, sizes
    ("retry 3 of 10", "retry <NUM> of <NUM>"),
    ("load 0.75 now", "load <NUM> now"),
    ("offset -42 now", "offset <NUM> now"),
    ("version 6.1.7601 installed", "version <NUM> installed"),
    ("status 0x800f080d returned", "status <NUM> returned"),
    ("heap 512MB used", "heap <NUM> used"),
    ("wrote 4.2 KB to disk", "wrote <NUM> to disk"),
    ("sent 2034 bytes (1.98 KB)", "sent <NUM> (<NUM>)"),
    ("block blk_-1608999687919862906 lost", "block blk_<NUM> lost"),
    ("uid=0 euid=1000", "uid=<NUM> euid=<NUM>"),
    ("generating core.2275", "generating core.<NUM>"),
    # <HEX>: long hex ids and hashes, MAC addresses
    ("commit a489c868f0c37da93b76227c91bb03908ac0e742 pushed", "commit <HEX> pushed"),
    ("tenant 54fadb412c4e40cdbaed9335e4c35a9e listed", "tenant <HEX> listed"),
    ("mac 00:1a:2b:3c:4d:5e seen", "mac <HEX> seen"),
    # <UUID>
    ("instance 0673dd71-34c5-4fbb-86c4-40623fbe45b4 spawned", "instance <UUID> spawned"),
    ("[instance: 0673dd71-34c5-4fbb-86c4-40623fbe45b4] ok", "[instance: <UUID>] ok"),
    # <PATH>: Unix and Windows
    ("open /var/lib/nova/instances/_base failed", "open <PATH> failed"),
    ("loading ./conf/app.yaml", "loading <PATH>"),
    ("read ~/.ssh/id_rsa", "read <PATH>"),
    (r"loading C:\Windows\System32\wcp.dll", "loading <PATH>"),
    (r"path \\?\C:\Windows\servicing ok", "path <PATH> ok"),
    ("file at (/tmp/x.lock): busy", "file at (<PATH>): busy"),
    # <URL> and <EMAIL>
    ("GET https://api.example.com/v1/items?id=4 failed", "GET <URL> failed"),
    ("split hdfs://10.10.34.11:9000/pjhe/logs/a.log:21876+7292", "split <URL>"),
    ("mail to ops@example.com bounced", "mail to <EMAIL> bounced"),
    # <DUR>
    ("request took 150ms", "request took <DUR>"),
    ("timeout after 1.5s", "timeout after <DUR>"),
    ("uptime 3m20s", "uptime <DUR>"),
    ("will retry in 30 seconds.", "will retry in <DUR>."),
    ("lifetime <1 sec", "lifetime <<DUR>"),
    # <TIME> and <DATE>
    ("started at 12:04:05", "started at <TIME>"),
    ("expires 2024-01-15T10:00:00Z soon", "expires <TIME> soon"),
    ("at 2024-01-15 10:00:00,123 then", "at <TIME> then"),
    ("connection at Fri Jun 17 07:07:00 2005", "connection at <TIME> <NUM>"),
    ("since 17 Jun 2005 10:00:01 ok", "since <TIME> ok"),
    ("backup of 2016/9/27 done", "backup of <DATE> done"),
    # <QUOTED>: a quoted phrase; a quoted single word is a word; an HTTP request keeps its method
    ('said "hello big world" twice', "said <QUOTED> twice"),
    ("key 'a b' missing", "key <QUOTED> missing"),
    ('empty "" value', "empty <QUOTED> value"),
    ("state 'Active' now", "state 'Active' now"),
    ("error for '0x00660011': bad", "error for '<NUM>': bad"),
    ('1.2.3.4 "GET /v2/servers/detail HTTP/1.1" status: 200', '<IP> "GET <PATH> HTTP/<NUM>" status: <NUM>'),
]


@pytest.mark.parametrize(("text", "masked"), CASES, ids=[case[1] for case in CASES])
def test_each_kind_of_parameter_becomes_its_placeholder(text: str, masked: str) -> None:
    assert mask(text) == masked


def test_every_placeholder_has_a_case() -> None:
    written = {token for _, masked in CASES for token in PLACEHOLDERS if token in masked}
    assert written == PLACEHOLDERS


WORDS = [
    "error",
    "user root logged in",
    "NullPointerException thrown by Worker",
    "isn't ready",
    "setup.py failed",  # a file name is not a host
    "mapreduce.task.id is deprecated",  # nor is a dotted key
    "com.apple.cloud.heartbeat: ok",
    "May the build pass",  # a month name alone is not a date
    "eth0 link up on wl0",  # a number glued to letters stays
    "deadbeef cafe",  # hex letters without a digit are words
    "Foo::bar :: -> ==",
    "true false null",
]


@pytest.mark.parametrize("text", WORDS)
def test_words_stay_as_they_are(text: str) -> None:
    assert mask(text) == text


@pytest.mark.parametrize(("text", "masked"), CASES)
def test_masking_a_masked_text_changes_nothing(text: str, masked: str) -> None:
    assert mask(masked) == masked


def test_whitespace_runs_become_one_space_and_tokens_split_on_it() -> None:
    masked = mask("  Failed  password\tfor root from 10.0.0.7  ")
    assert masked == "Failed password for root from <IP>"
    assert tokens(masked) == ["Failed", "password", "for", "root", "from", "<IP>"]


def test_a_long_token_is_masked_piece_by_piece() -> None:
    blob = "x=" + "a1" * 400 + "/17"
    assert mask(f"payload {blob} end").startswith("payload x=")
    assert mask(f"payload {blob} end").endswith(" end")

"""The template miner (``holdoff.logs.miner``): one template per event, ids that stay, restore."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from holdoff.logs.miner import MinerConfig, StoredTemplate, TemplateMiner, template_id

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def ids(miner: TemplateMiner, lines: list[str]) -> list[str]:
    return [miner.match(line).template_id for line in lines]


def test_lines_that_differ_in_parameters_share_a_template() -> None:
    miner = TemplateMiner()
    lines = [
        "Failed password for root from 10.0.0.7 port 42393 ssh2",
        "Failed password for root from 2001:db8::7 port 22 ssh2",
        "Failed password for root from 198.51.100.20 port 5 ssh2",
    ]
    assert len(set(ids(miner, lines))) == 1
    assert miner.templates()[0].template == "Failed password for root from <IP> port <NUM> ssh2"


def test_lines_of_different_events_get_different_templates() -> None:
    miner = TemplateMiner()
    lines = [
        "[instance: 0673dd71-34c5-4fbb-86c4-40623fbe45b4] VM Paused (Lifecycle Event)",
        "[instance: 0673dd71-34c5-4fbb-86c4-40623fbe45b4] VM Resumed (Lifecycle Event)",
        "Connection closed by 10.0.0.7",
        "Connection reset by 10.0.0.7",
    ]
    assert len(set(ids(miner, lines))) == 4


def test_a_list_of_any_length_and_a_value_written_twice_are_one_parameter() -> None:
    miner = TemplateMiner()
    lines = [
        "failed to resolve data source name an14 an15 an16",
        "failed to resolve data source name dn910",
        "failed to resolve data source name cn1 cn2 cn3 cn4 cn5 cn6",
    ]
    assert len(set(ids(miner, lines))) == 1
    sizes = ["proxy:80 close, 2034 bytes (1.98 KB) sent", "proxy:80 close, 0 bytes sent"]
    assert len(set(ids(miner, sizes))) == 1


def test_key_values_booleans_and_empty_brackets_are_parameters() -> None:
    miner = TemplateMiner()
    assert len(set(ids(miner, ["auth failure; tty=ssh user=root", "auth failure; tty=pts/0 user=bob"]))) == 1
    assert (
        len(set(ids(miner, ["isOverlap:false, getTopPadding=333.0", "isOverlap:true, getTopPadding=3"]))) == 1
    )
    assert (
        len(
            set(
                ids(
                    miner,
                    ["connection from 10.0.0.7 (a.example.com) at x", "connection from 10.0.0.8 () at x"],
                )
            )
        )
        == 1
    )


def test_a_line_without_words_is_told_apart_by_the_names_glued_to_its_values() -> None:
    miner = TemplateMiner()
    on_true, on_false, cancel = ids(
        miner, ["setLightsOn(true)", "setLightsOn(false)", "cancelNotification,index:3"]
    )
    assert on_true == on_false != cancel
    assert miner.match("setLightsOn(true)").template == "setLightsOn(<*>)"


def test_the_template_generalises_and_keeps_its_id() -> None:
    miner = TemplateMiner()
    first = miner.match("job 12 finished in 150ms")
    assert (first.is_new, first.changed, first.template) == (True, False, "job <NUM> finished in <DUR>")
    again = miner.match("job 13 finished in 1.5s")
    assert (again.template_id, again.is_new, again.changed) == (first.template_id, False, False)
    wider = miner.match("job 0x1f finished in 12:00:01")
    assert (wider.template_id, wider.changed, wider.template) == (
        first.template_id,
        True,
        "job <NUM> finished in <*>",
    )
    assert miner.templates()[0].count == 3


def test_the_id_is_the_hash_of_the_key_whatever_line_came_first() -> None:
    lines = ["disk /dev/sda1 at 91% full", "disk /dev/nvme0n1p2 at 97% full"]
    one, two = TemplateMiner(), TemplateMiner()
    assert ids(one, lines) == ids(two, list(reversed(lines)))
    stored = one.templates()[0]
    assert stored.template_id == template_id(stored.key)
    assert len(stored.template_id) == 16


NAMES = ("admin", "oracle", "test", "guest", "nobody", "postgres", "ftp", "git")


def test_mining_is_deterministic_for_an_input_order() -> None:
    lines = [f"Invalid user {name} from 10.0.0.{i}" for i, name in enumerate(NAMES)]
    lines += ["session opened for user root", "Invalid user zz from 10.0.0.1", "VM Paused", "VM Resumed"]
    miner_a, miner_b = TemplateMiner(), TemplateMiner()
    assert [miner_a.match(line) for line in lines] == [miner_b.match(line) for line in lines]
    assert miner_a.templates() == miner_b.templates()


def test_many_words_at_one_place_become_a_parameter_and_the_old_ids_resolve() -> None:
    miner = TemplateMiner(MinerConfig(merge_after=4))
    early = ids(miner, [f"Invalid user {name} from 10.0.0.1" for name in ("admin", "oracle", "test")])
    assert len(set(early)) == 3
    merging = miner.match("Invalid user guest from 10.0.0.2")
    assert merging.changed and not merging.is_new
    assert merging.template == "Invalid user <*> from <IP>"
    assert set(merging.merged) == {*early, template_id("Invalid user guest from <*>")}
    assert {miner.resolve(old) for old in early} == {merging.template_id}
    later = miner.match("Invalid user nobody from 10.0.0.3")  # a word never seen: the merged template
    assert later.template_id == merging.template_id
    assert miner.templates()[-1].count == 5
    assert len(miner) == 1


def test_the_first_word_is_never_made_a_parameter() -> None:
    miner = TemplateMiner(MinerConfig(merge_after=3))
    verbs = ["Starting", "Stopping", "Restarting", "Reloading", "Killing"]
    assert len(set(ids(miner, [f"{verb} service on node 7" for verb in verbs]))) == 5


def test_no_merge_when_turned_off() -> None:
    miner = TemplateMiner(MinerConfig(merge_after=0))
    assert len(set(ids(miner, [f"Invalid user {name} from 10.0.0.1" for name in NAMES]))) == len(NAMES)


def test_peek_finds_without_learning() -> None:
    miner = TemplateMiner()
    assert miner.peek("Disk full on /var") is None
    assert miner.templates() == []
    learnt = miner.match("Disk full on /var")
    seen = miner.peek("Disk full on /home")
    assert seen is not None and seen.template_id == learnt.template_id and not seen.is_new
    assert miner.templates()[0].count == 1


def test_a_stack_trace_is_mined_by_its_first_line_and_its_exception_class() -> None:
    miner = TemplateMiner()
    npe = "Request 42 failed\njava.lang.NullPointerException: x\n\tat com.example.A.run(A.java:10)"
    npe_again = (
        "Request 43 failed\njava.lang.NullPointerException: y is null\n\tat com.example.B.go(B.java:3)"
    )
    timeout = "Request 44 failed\njava.net.SocketTimeoutException: Read timed out\n\tat x.Y.z(Y.java:1)"
    python = 'Traceback (most recent call last):\n  File "a.py", line 1, in <module>\nValueError: bad'
    first, second, third = ids(miner, [npe, npe_again, timeout])
    assert first == second != third
    assert miner.match(npe).template == "Request <NUM> failed | java.lang.NullPointerException"
    assert miner.match(python).template == "Traceback (most recent call last): | ValueError"


def test_first_and_last_seen_follow_the_times_given() -> None:
    miner = TemplateMiner()
    miner.match("backup done", T0 + timedelta(minutes=5))
    miner.match("backup done", T0)
    miner.match("backup done")
    stored = miner.templates()[0]
    assert (stored.first_seen, stored.last_seen, stored.count) == (T0, T0 + timedelta(minutes=5), 3)


def test_changes_are_handed_over_once() -> None:
    miner = TemplateMiner()
    miner.match("cache warmed in 5ms", T0)
    miner.match("cache warmed in 7ms", T0)
    (change,) = miner.take_changes()
    assert (change.added, change.template, change.founding) == (
        2,
        "cache warmed in <DUR>",
        "cache warmed in <DUR>",
    )
    assert miner.take_changes() == []
    miner.match("cache warmed in 9ms", T0)
    assert [c.added for c in miner.take_changes()] == [1]


def test_a_restored_miner_keeps_ids_counts_and_merges() -> None:
    lines = [f"Invalid user {name} from 10.0.0.1" for name in ("a1x", "b", "c", "d", "e", "f")]
    lines += ["Accepted password for root from 10.0.0.2 port 22 ssh2", "Server listening on 0.0.0.0 port 22."]
    before = TemplateMiner()
    found = [before.resolve(before.match(line).template_id) for line in lines]
    restored = TemplateMiner(templates=before.templates())
    assert [restored.match(line).template_id for line in lines] == found
    assert restored.match("Invalid user mallory from 10.0.0.9").template_id == found[0]
    counts = {t.template_id: t.count for t in restored.templates() if t.merged_into is None}
    assert counts[found[0]] == 6 + 6 + 1
    old_alias = template_id("Invalid user b from <*>")
    assert restored.resolve(old_alias) == found[0]


def test_a_restored_miner_takes_in_templates_another_process_founded_before_merging() -> None:
    merged = TemplateMiner(MinerConfig(merge_after=3))
    ids(merged, [f"lock held by {name} since 5" for name in ("alpha", "beta", "gamma")])
    other = TemplateMiner(MinerConfig(merge_after=3))
    (late,) = set(ids(other, ["lock held by delta since 9"]))
    restored = TemplateMiner(MinerConfig(merge_after=3), [*merged.templates(), *other.templates()])
    assert len(restored) == 1
    assert restored.resolve(late) == restored.match("lock held by epsilon since 1").template_id
    assert any(change.template_id == late and change.merged_into for change in restored.take_changes())


def test_the_least_recently_used_templates_are_forgotten_and_found_again_by_id() -> None:
    miner = TemplateMiner(MinerConfig(max_templates=10, merge_after=0))
    first = miner.match("event zero happened").template_id
    for i in range(30):
        miner.match(f"event {'x' * (i + 1)} happened")
    assert len(miner) <= 10
    again = miner.match("event zero happened")
    assert again.template_id == first and again.is_new


def test_a_very_long_line_keeps_its_first_tokens_as_its_key() -> None:
    miner = TemplateMiner(MinerConfig(max_tokens=8))
    head = "worker pool drained queue and stopped"
    assert len(set(ids(miner, [f"{head} after a b c d", f"{head} after x y"]))) == 1


def test_stored_templates_without_a_key_are_ignored() -> None:
    miner = TemplateMiner(templates=[StoredTemplate(template_id="x", template="legacy", count=3)])
    assert len(miner) == 0

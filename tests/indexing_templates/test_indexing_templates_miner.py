from __future__ import annotations

from logcopilot.indexing.miner import TemplateMiner, generalise_tokens

# three events, written by hand, with the templates a person would write
LINES = [
    "Accepted password for alice from 10.0.0.1 port 5022 ssh2",
    "Connection closed by 10.0.0.9 [preauth]",
    "Accepted password for bob from 10.0.0.2 port 6001 ssh2",
    "session opened for user alice by (uid=1000)",
    "Connection closed by 192.168.1.20 [preauth]",
    "session opened for user bob by (uid=1001)",
    "Accepted password for carol from 172.16.0.3 port 40022 ssh2",
    "Connection closed by 10.0.0.10 [preauth]",
    "session opened for user carol by (uid=1002)",
    "Accepted password for dave from 10.0.0.4 port 22 ssh2",
    "Connection closed by 10.1.1.1 [preauth]",
    "session opened for user dave by (uid=0)",
]
EXPECTED = {
    "Accepted password for <*> from <*> port <*> ssh2": [0, 2, 6, 9],
    "Connection closed by <*> [preauth]": [1, 4, 7, 10],
    "session opened for user <*> by (uid=<*>)": [3, 5, 8, 11],
}


def _groups(lines: list[str]) -> dict[str, list[int]]:
    res = TemplateMiner().mine(lines)
    out: dict[str, list[int]] = {}
    for i, c in enumerate(res.assignment):
        out.setdefault(res.templates[c], []).append(i)
    assert sum(res.sizes) == len(lines)
    return out


def test_three_templates_by_hand() -> None:
    assert _groups(LINES) == EXPECTED


def test_word_variable_found_from_statistics() -> None:
    # 'alice'/'bob'/... are plain words; they become <*> because they vary inside the event
    groups = _groups([f"Invalid user {u} from 1.2.3.{i}" for i, u in enumerate(["ann", "ben", "cy", "dee", "eve", "fay"])])
    assert list(groups) == ["Invalid user <*> from <*>"]


def test_event_names_split_over_merged_clusters() -> None:
    lines = [f"[instance: 9b1c3d7e-0000-4000-8000-00000000000{i % 4}] VM {s} (Lifecycle Event)"
             for i, s in enumerate(["Paused", "Resumed", "Started", "Stopped"] * 3)]
    groups = _groups(lines)
    assert sorted(groups) == sorted(f"[instance: <*>] VM {s} (Lifecycle Event)" for s in ["Paused", "Resumed", "Started", "Stopped"])
    assert all(len(v) == 3 for v in groups.values())


def test_first_word_separates_events() -> None:
    groups = _groups(["boot (command 12)", "wait (command 13)", "boot (command 14)", "wait (command 2)"])
    assert groups == {"boot (command <*>)": [0, 2], "wait (command <*>)": [1, 3]}


def test_variable_spanning_several_tokens_merges() -> None:
    lines = [
        "BLOCK* ask 10.0.0.1:50010 to delete blk_1",
        "BLOCK* ask 10.0.0.2:50010 to delete blk_2 blk_3 blk_4",
        "BLOCK* ask 10.0.0.3:50010 to delete blk_5 blk_6",
    ]
    assert _groups(lines) == {"BLOCK* ask <*>:<*> to delete <*>": [0, 1, 2]}


def test_separator_tokens_are_structure() -> None:
    lines = ["Fan speeds ( 3552 3534 3375 **** 3515 3479 )", "Fan speeds ( 3552 3534 3375 3400 3515 3479 )",
             "Fan speeds ( 3551 3533 3376 **** 3514 3478 )", "Fan speeds ( 3502 3504 3305 3300 3505 3409 )"]
    assert _groups(lines) == {"Fan speeds ( <*> <*> <*> **** <*> <*> )": [0, 2],
                              "Fan speeds ( <*> <*> <*> <*> <*> <*> )": [1, 3]}


def test_generalise_keeps_shared_punctuation() -> None:
    assert generalise_tokens(["(uid=0)", "(uid=1000)"]) == "(uid=<*>)"
    assert generalise_tokens(["alice,", "bob,"]) == "<*>,"
    assert generalise_tokens(["same", "same"]) == "same"
    assert generalise_tokens(["\\042alt0\\042", "\\042SCSI\\042"]) == "<*>"


def test_optional_stretch_merges_and_template_matches_every_line() -> None:
    from logcopilot.indexing.matching import TemplateMatcher

    lines = [
        "a.example.com:443 close, 474 bytes sent, 4042 bytes (3.94 KB) received, lifetime 00:11",
        "b.example.com:80 close, 14267 bytes (13.9 KB) sent, 36698 bytes (35.8 KB) received, lifetime 48:06",
        "c.example.com:443 close, 357 bytes sent, 484 bytes received, lifetime 01:30",
        "d.example.com:443 close, 16473 bytes (16.0 KB) sent, 402 bytes received, lifetime 01:07",
    ]
    res = TemplateMiner().mine(lines)
    assert len(res.templates) == 1
    matcher = TemplateMatcher([("E1", res.templates[0])])
    assert all(matcher.match(line) is not None for line in lines)

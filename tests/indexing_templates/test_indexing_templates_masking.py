from __future__ import annotations

import json
from pathlib import Path

import pytest

from logcopilot.errors import ConfigError
from logcopilot.indexing.masking import DEFAULT_MASK_RULES, MaskRule, Masker, load_mask_rules


@pytest.mark.parametrize(
    ("message", "masked"),
    [
        ("Served block blk_-1608999687919862906 to /10.250.19.102", "Served block <*> to <*>"),
        ("Receiving src: /10.250.19.102:54106 dest: /10.250.19.102:50010", "Receiving src: <*>:<*> dest: <*>:<*>"),
        ("proxy.cse.cuhk.edu.hk:5070 open through proxy", "<*>:<*> open through proxy"),
        ("[instance: b9000564-fe1a-409b-b8cc-1e88b294cd1d] Claim successful", "[instance: <*>] Claim successful"),
        ("Took 0.54 seconds to build instance.", "Took <*> seconds to build instance."),
        ("node node-246 detected", "node node-<*> detected"),
        ("mask 0x00080000 at 0xdeadbeef", "mask <*> at <*>"),
        ("Deleting block file /mnt/hadoop/dfs/data/current/subdir19/blk_1", "Deleting block file <*>"),
        ('10.11.10.1 "GET /v2/servers/detail HTTP/1.1" status: 200', '<*> "GET <*>" status: <*>'),
        ("session opened for user root by (uid=0)", "session opened for user <*> by (uid=<*>)"),
        ("generating core.2275", "generating core.<*>"),
        ("isScreenOn true", "isScreenOn <*>"),
        ("ssh2 on eth0 stays", "ssh2 on eth0 stays"),
        ("[ib_sm_sweep.c:1234]: No topology change", "[ib_sm_sweep.c:<*>]: No topology change"),
        ("manager=com.example.g.c@8a2a501 state=ready", "manager=<*> state=ready"),
        ("Failed none for invalid user x", "Failed none for invalid user x"),
    ],
)
def test_default_rules(message: str, masked: str) -> None:
    assert Masker().mask(message) == masked


def test_rules_are_data_with_names() -> None:
    names = [r.name for r in DEFAULT_MASK_RULES]
    assert len(names) == len(set(names))
    for want in ("ip", "ip_port", "hex", "uuid", "block_id", "path", "url", "number", "duration", "size"):
        assert want in names


def test_load_rules_json_and_toml(tmp_path: Path) -> None:
    j = tmp_path / "masks.json"
    j.write_text(json.dumps([{"name": "ticket", "regex": r"TCK-\d+", "replacement": "<ticket>"}]))
    assert Masker(load_mask_rules(j)).mask("see TCK-42 now") == "see <ticket> now"
    t = tmp_path / "masks.toml"
    t.write_text('[[rules]]\nname = "word"\nregex = "secret"\n')
    rules = load_mask_rules(t)
    assert rules == [MaskRule("word", "secret")]
    assert Masker(rules).mask("a secret b 12") == "a <*> b 12"  # only the given rules apply


def test_bad_rules_raise_config_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([{"name": "x", "regex": "("}]))
    with pytest.raises(ConfigError, match="bad regex"):
        load_mask_rules(bad)
    (tmp_path / "noname.json").write_text(json.dumps([{"regex": "x"}]))
    with pytest.raises(ConfigError, match="needs a name"):
        load_mask_rules(tmp_path / "noname.json")
    with pytest.raises(ConfigError, match="no such"):
        load_mask_rules(tmp_path / "missing.json")

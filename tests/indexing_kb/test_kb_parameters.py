"""Parameters stage: slot names and types from hand-written templates and values."""

from __future__ import annotations

from collections import Counter

import pytest

from logcopilot.indexing.knowledge import TemplateRow
from logcopilot.indexing.parameters import build_parameters, infer_type, sanitize_name


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["10.0.0.1", "192.168.1.20"], "ip"),
        (["10.250.19.102:54106"], "ip:port"),
        (["b9000564-fe1a-409b-b8cc-1e88b294cd1d"], "uuid"),
        (["1", "-20", "300"], "int"),
        (["0.25", "12", "3.5"], "float"),
        (["12ms", "3.5 s"], "duration"),
        (["512KB", "3 MB"], "size"),
        (["0x1f3a", "0xdead"], "hex"),
        (["blk_-1608999687919862906", "blk_75"], "id"),
        (["/var/log/messages", "/tmp"], "path"),
        (["root", "admin"], "string"),
        (["10.0.0.1", "root"], "string"),  # mixed shapes are no narrower type
        ([], "string"),
    ],
)
def test_infer_type(values: list[str], expected: str) -> None:
    assert infer_type(values) == expected


def test_sanitize_name_gives_logql_label_names() -> None:
    assert sanitize_name("PacketResponder") == "packet_responder"
    assert sanitize_name("src-addr") == "src_addr"
    assert sanitize_name("2nd") == "p_2nd"
    assert sanitize_name("") == "value"


TEMPLATES = [
    TemplateRow("A", "Receiving block <*> src: /<*> dest: /<*>", 2),
    TemplateRow("B", "[instance: <*>] Terminating instance", 1),
    TemplateRow("C", "Took <*> ms to spawn the instance on the hypervisor.", 1),
    TemplateRow("D", "Received <*> bytes from <*>", 1),
    TemplateRow("E", "Failed password for <*> from <*> port <*> ssh2", 2),
    TemplateRow("F", "authentication failure; uid=<*> rhost=<*> user=<*>", 1),
    TemplateRow("G", "BLOCK* NameSystem.addStoredBlock: blockMap updated: <*> is added to <*> size <*>", 1),
    TemplateRow("H", "<*> <*>", 1),
]
VALUES = {
    ("A", 0): Counter({"blk_-1608999687919862906": 1, "blk_75": 1}),
    ("A", 1): Counter({"10.250.19.102:54106": 2}),
    ("A", 2): Counter({"10.250.19.102:50010": 2}),
    ("B", 0): Counter({"b9000564-fe1a-409b-b8cc-1e88b294cd1d": 1}),
    ("C", 0): Counter({"21.38": 1}),
    ("D", 0): Counter({"512": 1}),
    ("D", 1): Counter({"10.1.1.1": 1}),
    ("E", 0): Counter({"root": 1, "guest": 1}),
    ("E", 1): Counter({"1.2.3.4": 2}),
    ("E", 2): Counter({"22": 1, "4000": 1}),
    ("F", 0): Counter({"0": 1}),
    ("F", 1): Counter({"1.2.3.4": 1}),
    ("F", 2): Counter({"root": 1}),
    ("G", 0): Counter({"10.251.1.1:50010": 1}),
    ("G", 1): Counter({"blk_1": 1}),
    ("G", 2): Counter({"67108864": 1}),
    ("H", 0): Counter({"a": 1}),
    ("H", 1): Counter({"b": 1}),
}


def test_names_types_and_stats() -> None:
    got = {(p.template_id, p.position): p for p in build_parameters(TEMPLATES, VALUES)}
    names = {k: (p.name, p.type) for k, p in got.items()}
    assert names == {
        ("A", 0): ("block_id", "id"),  # noun before the slot, id-shaped value
        ("A", 1): ("src", "ip:port"),  # key: value
        ("A", 2): ("dest", "ip:port"),
        ("B", 0): ("instance_id", "uuid"),
        ("C", 0): ("duration", "float"),  # unit after the slot
        ("D", 0): ("size", "int"),
        ("D", 1): ("ip", "ip"),  # after a preposition: the type names it
        ("E", 0): ("user", "string"),  # borrowed from F's user=<*>, which shares the value root
        ("E", 1): ("ip", "ip"),
        ("E", 2): ("port", "int"),
        ("F", 0): ("uid", "int"),
        ("F", 1): ("rhost", "ip"),
        ("F", 2): ("user", "string"),
        ("G", 0): ("addr", "ip:port"),  # "updated:" is an action, not a key
        ("G", 1): ("id", "id"),  # after a preposition: the type names it
        ("G", 2): ("size", "int"),
        ("H", 0): ("value", "string"),
        ("H", 1): ("value_2", "string"),
    }
    e2 = got[("E", 2)]
    assert (e2.distinct_count, e2.total, e2.min_value, e2.max_value) == (2, 2, 22.0, 4000.0)
    assert got[("E", 0)].examples == ["guest", "root"]  # most frequent first, ties by value


def test_reserved_names_get_a_suffix() -> None:
    got = build_parameters([TemplateRow("X", "level=<*> user <*>", 1)],
                           {("X", 0): Counter({"INFO": 1}), ("X", 1): Counter({"bob": 1})},
                           reserved=frozenset({"level"}))
    assert [p.name for p in got] == ["level_value", "user"]


def test_port_after_address_and_no_preposition_keys() -> None:
    templates = [TemplateRow("S", "<*>:<*> Served block <*> to <*>", 1),
                 TemplateRow("I", "image <*> at (<*>): checking", 1)]
    values = {("S", 0): Counter({"10.251.1.2": 1}), ("S", 1): Counter({"50010": 1}),
              ("S", 2): Counter({"blk_7": 1}), ("S", 3): Counter({"/10.251.1.3": 1}),
              ("I", 0): Counter({"0c19f1d8-bd6e-4b56-8e42-8d3e1a5d2b8c": 1}),
              ("I", 1): Counter({"/var/lib/nova/instances/_base/a1b2": 1})}
    got = [(p.template_id, p.name, p.type) for p in build_parameters(templates, values)]
    assert got == [("S", "ip", "ip"), ("S", "port", "int"), ("S", "block_id", "id"), ("S", "path", "path"),
                   ("I", "image_id", "uuid"), ("I", "path", "path")]

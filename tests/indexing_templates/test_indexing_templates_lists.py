"""A long list of same-shaped items is one variable: one template whatever the list's length."""

from __future__ import annotations

from logcopilot.indexing.miner import TemplateMiner, collapse_repeats, tokenize


def _trip(i: int) -> str:
    return (f"Trip(id={i:08x}-aa, tripId=Z{1000 + i}, trainType=GaoTie{'One' if i % 2 else 'Two'}, "
            f"startTime=2013-05-04 0{i % 10}:51:52)")


def test_record_lists_of_any_length_share_one_template() -> None:
    lines = [f"[getTrips][before basic][trips: [{', '.join(_trip(i + k) for k in range(n))}]]"
             for i, n in enumerate([4, 5, 8, 4, 12])]
    lines.append("[getTrips][empty]")
    res = TemplateMiner().mine(lines)
    assert len(set(res.assignment[:5])) == 1 and res.assignment[5] != res.assignment[0]
    template = res.templates[res.assignment[0]]
    assert template.count("<*>") == 1 and template.startswith("[getTrips][before basic][trips: [")


def test_short_fixed_lists_and_plain_text_stay_slot_by_slot() -> None:
    bounds = tuple("Page bounds {{<*>, <*>}, {<*>, <*>}}".split())
    assert collapse_repeats(bounds) == bounds  # short: Loghub keeps one slot per number
    words = tuple(("note: " + ", ".join(["alpha beta"] * 12)).split())
    assert collapse_repeats(words) == words  # repeated words hold no value
    unbracketed = tuple(("iar <*>, dear <*> " * 6).split())
    assert collapse_repeats(unbracketed) == unbracketed  # not a list literal
    ids = tokenize("ids: [" + ", ".join(["<*>"] * 20) + "] done")
    assert collapse_repeats(ids) == ("ids:", "[<*>]", "done")

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import pytest

from logcopilot.engine.store import Store
from logcopilot.errors import InputError
from logcopilot.indexing.export import export_structured
from logcopilot.indexing.templates import assign_templates, mined_template_id


INVALID = "Invalid user <*> from <*>"
FAILED = "Failed password for invalid user <*> from <*> port <*> ssh2"
CLOSED = "Connection closed by <*> [preauth]"


def _entries(store: Store) -> list[tuple[int, str, list[str]]]:
    rows = store.cursor().execute("SELECT line_no, template_id, params FROM entries ORDER BY seq").fetchall()
    return [(int(a), str(b), list(c)) for a, b, c in rows]


def _templates(store: Store) -> dict[str, tuple[str, int, int, str]]:
    rows = store.cursor().execute(
        "SELECT template_id, template, count, slots, origin FROM templates WHERE system = 'openssh'").fetchall()
    return {str(r[1]): (str(r[0]), int(r[2]), int(r[3]), str(r[4])) for r in rows}


def test_store_entries_get_template_and_params(ssh_store: Callable[..., Store], ssh_lines: list[str]) -> None:
    st = ssh_store(ssh_lines)
    stats = assign_templates(st, "openssh")
    assert (stats.entries, stats.mined, stats.matched, stats.new_templates, stats.templates) == (12, 12, 0, 3, 3)
    assert stats.without_params == 0
    tpl = _templates(st)
    assert set(tpl) == {INVALID, FAILED, CLOSED}
    assert tpl[INVALID] == (mined_template_id(INVALID), 4, 2, "mined")
    rows = _entries(st)
    # the header (date, host, sshd[pid]) is not part of the message: Content only
    assert rows[0] == (1, mined_template_id(INVALID), ["webmaster", "173.234.31.186"])
    assert rows[1] == (2, mined_template_id(FAILED), ["webmaster", "173.234.31.186", "38926"])
    assert rows[11] == (12, mined_template_id(CLOSED), ["103.207.39.16"])
    first_ts, last_ts, example = st.cursor().execute(
        "SELECT first_ts, last_ts, example FROM templates WHERE template = ?", [CLOSED]).fetchone()
    assert last_ts - first_ts == 9 * 1_000_000_000
    assert example == "Connection closed by 212.47.254.145 [preauth]"


def test_incremental_matches_known_and_mines_only_new(ssh_store: Callable[..., Store], ssh_lines: list[str]) -> None:
    st = ssh_store(ssh_lines[:6])
    assign_templates(st, "openssh")
    before = _templates(st)
    ssh_store([
        "Dec 10 08:00:00 LabSZ sshd[1]: Connection closed by 9.9.9.9 [preauth]",
        "Dec 10 08:00:01 LabSZ sshd[2]: pam_unix(sshd:session): session closed for user fztu",
        "Dec 10 08:00:02 LabSZ sshd[3]: pam_unix(sshd:session): session closed for user zed",
    ], store=st, path="/logs/second.log")
    stats = assign_templates(st, "openssh")
    assert (stats.entries, stats.matched, stats.mined, stats.new_templates) == (3, 1, 2, 1)
    after = _templates(st)
    assert after[CLOSED][0] == before[CLOSED][0] and after[CLOSED][1] == 3
    assert "pam_unix(sshd:session): session closed for user <*>" in after
    # nothing new: a third run assigns nothing and changes nothing
    again = assign_templates(st, "openssh")
    assert again.entries == 0 and _templates(st) == after


def test_matching_mode_with_loghub_csv(ssh_store: Callable[..., Store], ssh_lines: list[str], tmp_path: Path) -> None:
    given = tmp_path / "OpenSSH_2k.log_templates.csv"
    given.write_text(f"EventId,EventTemplate\nE13,{INVALID}\nE2,{CLOSED}\nE99,never <*> seen\n")
    st = ssh_store(ssh_lines)
    stats = assign_templates(st, "openssh", templates_file=given)
    assert (stats.mode, stats.matched, stats.mined) == ("matching", 8, 4)
    tpl = _templates(st)
    assert tpl[INVALID] == ("E13", 4, 2, "given") and tpl[CLOSED][:2] == ("E2", 4)
    assert tpl["never <*> seen"][1] == 0
    assert tpl[FAILED][3] == "mined"  # lines no given template matches are mined
    assert _entries(st)[0] == (1, "E13", ["webmaster", "173.234.31.186"])


def test_raw_lines_when_no_format(ssh_store: Callable[..., Store], ssh_lines: list[str]) -> None:
    st = ssh_store(["alpha 1 done", "alpha 2 done", "beta x"], system="plain", fmt=None)
    assign_templates(st, "plain")
    assert {r[0] for r in st.cursor().execute("SELECT template FROM templates").fetchall()} == {"alpha <*> done", "beta x"}


def test_progress_is_reported(ssh_store: Callable[..., Store], ssh_lines: list[str]) -> None:
    seen: list[tuple[int, int]] = []
    assign_templates(ssh_store(ssh_lines), "openssh", progress=lambda d, t: seen.append((d, t)))
    assert seen[0] == (0, 12) and seen[-1] == (12, 12)


def test_export_loghub_layout(ssh_store: Callable[..., Store], ssh_lines: list[str], tmp_path: Path) -> None:
    st = ssh_store(ssh_lines)
    assign_templates(st, "openssh")
    paths = export_structured(st, "openssh", tmp_path / "out")
    assert [p.name for p in paths] == ["OpenSSH_2k.log_structured.csv", "OpenSSH_2k.log_templates.csv"]
    with paths[0].open(newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["LineId", "EventId", "EventTemplate", "ParameterList"]
    assert rows[1] == ["1", mined_template_id(INVALID), INVALID, "['webmaster', '173.234.31.186']"]
    assert [r[0] for r in rows[1:]] == [str(i) for i in range(1, 13)]
    with paths[1].open(newline="") as fh:
        trows = list(csv.reader(fh))
    assert trows[0] == ["EventId", "EventTemplate", "Occurrences"]
    assert sorted((r[1], r[2]) for r in trows[1:]) == sorted([(INVALID, "4"), (FAILED, "4"), (CLOSED, "4")])
    with pytest.raises(InputError, match="no entries"):
        export_structured(st, "nosuch", tmp_path / "x")


def test_exported_parse_scores_against_truth(ssh_store: Callable[..., Store], ssh_lines: list[str], tmp_path: Path) -> None:
    from logcopilot.indexing.evaluate import evaluate_files

    st = ssh_store(ssh_lines)
    assign_templates(st, "openssh")
    pred = export_structured(st, "openssh", tmp_path)[0]
    truth = tmp_path / "truth.csv"
    with truth.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["LineId", "Content", "EventId", "EventTemplate"])
        for i, line in enumerate(ssh_lines, start=1):
            content = line.split(": ", 1)[1]
            tpl = INVALID if content.startswith("Invalid") else FAILED if content.startswith("Failed") else CLOSED
            w.writerow([i, content, "E", tpl])
    m = evaluate_files(pred, truth)
    assert (m.ga, m.pa, m.fga, m.fta) == (1.0, 1.0, 1.0, 1.0)


def test_incremental_generalises_a_known_template(ssh_store: Callable[..., Store]) -> None:
    st = ssh_store([
        "Dec 10 08:00:01 LabSZ sshd[2]: pam_unix(sshd:session): session closed for user fztu",
        "Dec 10 08:00:02 LabSZ sshd[3]: Connection closed by 9.9.9.9 [preauth]",
    ])
    assign_templates(st, "openssh")
    first = _templates(st)
    old_id = first["pam_unix(sshd:session): session closed for user fztu"][0]
    ssh_store(["Dec 10 09:00:00 LabSZ sshd[4]: pam_unix(sshd:session): session closed for user zed"],
              store=st, path="/logs/b.log")
    stats = assign_templates(st, "openssh")
    assert (stats.entries, stats.new_templates, stats.generalised) == (1, 0, 1)
    after = _templates(st)
    # same id, more general text; the earlier entry's parameters follow the new template
    assert after["pam_unix(sshd:session): session closed for user <*>"][:3] == (old_id, 2, 1)
    params = [p for _, tid, p in _entries(st) if tid == old_id]
    assert params == [["fztu"], ["zed"]]


def test_incremental_splits_an_over_merged_template(ssh_store: Callable[..., Store]) -> None:
    def line(i: int, kind: str) -> str:
        return f"[10.30 16:49:0{i}] chrome.exe - host{i}.example.com:443 open through proxy proxy.example.org:5070 {kind}"

    st = ssh_store([line(i, "HTTPS") for i in range(5)] + [line(5, "SOCKS5")], system="proxifier", fmt="Proxifier")
    first = assign_templates(st, "proxifier")
    # one SOCKS5 line among six cannot tell an event name from a value
    assert first.templates == 1 and first.split == 0
    ssh_store([line(6, "SOCKS5"), line(7, "SOCKS5")], system="proxifier", fmt="Proxifier", store=st, path="/b.log")
    second = assign_templates(st, "proxifier")
    assert (second.matched, second.split) == (2, 1)
    rows = dict(st.cursor().execute("SELECT template, count FROM templates WHERE system = 'proxifier'").fetchall())
    assert rows == {"<*>:<*> open through proxy <*>:<*> HTTPS": 5, "<*>:<*> open through proxy <*>:<*> SOCKS5": 3}
    params = st.cursor().execute(
        "SELECT params FROM entries e JOIN templates t USING (template_id) WHERE t.template LIKE '%SOCKS5' ORDER BY seq"
    ).fetchall()
    assert [p[0] for p in params] == [[f"host{i}.example.com", "443", "proxy.example.org", "5070"] for i in (5, 6, 7)]


class _FakeChat:
    """A chat client test double: answers every template question with one fixed reply."""

    def __init__(self, reply: str) -> None:
        self.reply = reply
        self.calls: list[tuple[str, object]] = []

    def chat(self, messages: list[dict[str, str]], *, stage: str, json_schema: object) -> object:
        self.calls.append((stage, json_schema))
        from types import SimpleNamespace

        return SimpleNamespace(parsed_json={"template": self.reply}, text=self.reply)


def test_llm_correction_kept_only_when_it_matches_the_lines(ssh_store: Callable[..., Store]) -> None:
    lines = [f"Dec 10 07:0{i}:00 LabSZ sshd[1]: Backup job {n} finished" for i, n in enumerate(["alpha", "beta"])]
    # the miner cannot know that a word seen once per line is a value; the "LLM" can
    st = ssh_store(lines)
    good = _FakeChat("Backup job <*> finished")
    stats = assign_templates(st, "openssh", llm=good)
    assert stats.llm_corrected >= 1 and good.calls and good.calls[0][0] == "templates"
    assert {r[0] for r in st.cursor().execute("SELECT template FROM templates").fetchall()} == {"Backup job <*> finished"}
    assert st.cursor().execute("SELECT DISTINCT origin FROM templates").fetchall() == [("llm",)]

    st2 = ssh_store(lines)
    bad = _FakeChat("Something else <*>")  # does not match the lines: ignored
    stats2 = assign_templates(st2, "openssh", llm=bad)
    assert stats2.llm_corrected == 0
    assert st2.cursor().execute("SELECT DISTINCT origin FROM templates").fetchall() == [("mined",)]

"""``logcopilot eval-templates`` and ``logcopilot templates mine``: score and try the miner.

``eval-templates`` computes the Loghub-2.0 metrics (GA, PA, FGA, FTA) of a structured CSV
against a ground-truth one. ``templates mine`` mines a log file directly (no store), printing
the templates with their counts, or writing Loghub CSVs with ``--out``.
"""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import click

from logcopilot.cli.common import echo_json, json_option
from logcopilot.errors import InputError
from logcopilot.indexing.evaluate import evaluate_files
from logcopilot.indexing.masking import Masker, load_mask_rules
from logcopilot.indexing.matching import TemplateMatcher
from logcopilot.indexing.miner import TemplateMiner

__all__ = ["eval_templates_cmd", "templates_cmd"]


@click.command("eval-templates")
@click.option("--pred", "pred", required=True, type=click.Path(dir_okay=False), help="Predicted *_structured.csv.")
@click.option("--truth", "truth", required=True, type=click.Path(dir_okay=False), help="Ground-truth structured CSV.")
@json_option
def eval_templates_cmd(pred: str, truth: str, as_json: bool) -> None:
    """Score a parse with the Loghub-2.0 metrics GA, PA, FGA and FTA.

    \b
    Example:
      logcopilot eval-templates --pred out/HDFS_2k.log_structured.csv \\
          --truth HDFS_2k.log_structured_corrected.csv
    """
    m = evaluate_files(pred, truth)
    if as_json:
        echo_json(m.as_dict())
        return
    click.echo(f"lines {m.lines}  templates truth {m.truth_templates} predicted {m.predicted_templates}")
    click.echo(f"GA {m.ga:.4f}  PA {m.pa:.4f}  FGA {m.fga:.4f}  FTA {m.fta:.4f}")


@click.group("templates")
def templates_cmd() -> None:
    """Mine or match log templates without a store."""


def _messages(path: str, fmt: str | None) -> list[str]:
    p = Path(path)
    if not p.is_file():
        raise InputError(f"no such log file: {p}")
    lines = p.read_text(encoding="utf-8", errors="replace").splitlines()
    if fmt is None:
        return lines
    from logcopilot.ingest.presets import resolve_format  # presets know names and raw specs

    preset = resolve_format(fmt)
    out = []
    for line in lines:
        fields = preset.parse(line)
        content = fields.get("Content") if fields else None
        out.append(content if isinstance(content, str) else line)
    return out


@templates_cmd.command("mine")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--format", "fmt", default=None, help="Header format: a preset name or a Loghub spec with <Content>.")
@click.option("--masks", default=None, type=click.Path(dir_okay=False), help="Mask rules file (JSON or TOML).")
@click.option("--out", "out", default=None, type=click.Path(file_okay=False), help="Write Loghub CSVs here.")
@json_option
def mine_cmd(file: str, fmt: str | None, masks: str | None, out: str | None, as_json: bool) -> None:
    """Mine templates from a log file and print them, most frequent first.

    \b
    Example:
      logcopilot templates mine OpenSSH_2k.log --format OpenSSH --out parsed/
    """
    messages = _messages(file, fmt)
    masker = Masker(load_mask_rules(masks)) if masks else Masker()
    result = TemplateMiner(masker).mine(messages)
    ids = [f"E{i + 1}" for i in range(len(result.templates))]
    sizes = Counter(result.assignment)
    order = sorted(range(len(result.templates)), key=lambda c: (-sizes[c], c))
    if out is not None:
        d = Path(out)
        d.mkdir(parents=True, exist_ok=True)
        name = Path(file).name
        matcher = TemplateMatcher(zip(ids, result.templates, strict=True))
        with (d / f"{name}_structured.csv").open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(["LineId", "EventId", "EventTemplate", "ParameterList"])
            for n, (msg, cid) in enumerate(zip(messages, result.assignment, strict=True), start=1):
                m = matcher.templates[ids[cid]].regex.match(msg.strip())
                w.writerow([n, ids[cid], result.templates[cid], repr(list(m.groups()) if m else [])])
        with (d / f"{name}_templates.csv").open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(["EventId", "EventTemplate", "Occurrences"])
            for c in order:
                w.writerow([ids[c], result.templates[c], sizes[c]])
    if as_json:
        echo_json([{"id": ids[c], "template": result.templates[c], "count": sizes[c]} for c in order])
        return
    for c in order:
        click.echo(f"{sizes[c]:>8}  {ids[c]:<6} {result.templates[c]}")

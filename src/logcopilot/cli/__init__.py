"""The ``logcopilot`` command line: one group, one module per verb family.

Each module in this package defines click commands and is registered in ``COMMAND_MODULES``;
every command turns ``LogCopilotError`` into one readable line and a non-zero exit.
"""

from __future__ import annotations

import importlib

import click

from logcopilot.cli.common import LogCopilotGroup

__all__ = ["COMMAND_MODULES", "main"]

# module -> names of the click commands/groups it exports, in --help order
COMMAND_MODULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("logcopilot.cli.ingest", ("ingest", "stats")),
    ("logcopilot.cli.query", ("query", "serve")),
    ("logcopilot.cli.index", ("index", "knowledge")),
    ("logcopilot.cli.ask", ("ask", "history", "bench")),
    ("logcopilot.cli.templates", ("eval-templates", "templates")),
    ("logcopilot.cli.llm", ("llm",)),
)


@click.group(cls=LogCopilotGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="logcopilot")
def main() -> None:
    """LogCopilot: ask questions of your logs, get the answer, the LogQL and the evidence.

    \b
    Examples:
      logcopilot ingest OpenSSH_2k.log --system openssh
      logcopilot query 'sum(count_over_time({system="openssh"} |= "Failed password" [1d]))'
      logcopilot ask "How many distinct IPs failed to log in?" --system openssh
    """


for _module, _names in COMMAND_MODULES:
    _mod = importlib.import_module(_module)
    for _name in _names:
        main.add_command(getattr(_mod, _name.replace("-", "_") + "_cmd"))

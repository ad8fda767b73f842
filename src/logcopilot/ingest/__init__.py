"""Ingest: raw log files -> streams and entries in the embedded store.

Stages (``pipeline.STAGES``): read -> detect -> parse -> lines -> write. The public API:

- ``ingest_files(store, paths, system=..., fmt=None, year=None, tz="UTC")`` -> reports
- ``resolve_format(name_or_spec)`` -> ``Preset`` (``.parse(line)`` gives header fields and
  ``Content``), ``PRESETS``
- ``format_for_system(store, system)`` -> the ``Preset`` a system was ingested with
- ``compile_format(spec)`` -> ``LogFormat`` (Loghub-style ``<Field>`` formats)
"""

from __future__ import annotations

from logcopilot.ingest.formats import LogFormat, compile_format, format_for_system
from logcopilot.ingest.pipeline import STAGES, IngestReport, ingest_files
from logcopilot.ingest.presets import PRESETS, Preset, resolve_format

__all__ = [
    "IngestReport",
    "LogFormat",
    "PRESETS",
    "Preset",
    "STAGES",
    "compile_format",
    "format_for_system",
    "ingest_files",
    "resolve_format",
]

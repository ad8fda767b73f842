"""Bundled demo data: Loghub 2k samples (HDFS, OpenSSH, OpenStack) and a TrainTicket slice.

``data_path(name)`` gives a file's path; licence notices are in ``README.md`` here.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

__all__ = ["SAMPLES", "data_path"]

# file -> (system, --format, --year)
SAMPLES: dict[str, tuple[str, str, int | None]] = {
    "HDFS_2k.log": ("hdfs", "HDFS", None),
    "OpenSSH_2k.log": ("openssh", "OpenSSH", 2015),
    "OpenStack_2k.log": ("openstack", "OpenStack", None),
    "trainticket_2k.log.gz": ("trainticket", "trainticket", None),
}


def data_path(name: str) -> Path:
    """The path of a bundled file, e.g. ``data_path("OpenSSH_2k.log")``."""
    return Path(str(resources.files("logcopilot.data").joinpath(name)))

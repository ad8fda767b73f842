"""LogCopilot: ask natural-language questions of logs; answers come with LogQL and evidence.

The public API is re-exported here; see ``__all__``.
"""

from __future__ import annotations

from logcopilot.config import Settings, load_settings
from logcopilot.engine.store import Store
from logcopilot.errors import LogCopilotError

__all__ = ["LogCopilotError", "Settings", "Store", "load_settings"]
__version__ = "0.1.0"

"""Settings: one documented registry, read from defaults < config file < ``.env`` < environment.

The config file is ``$LOGCOPILOT_HOME/config.toml`` (flat ``key = value`` pairs, keys as in
``SETTINGS``). A ``.env`` file in the working directory is read like the published system
does (``OPENAI_API_KEY=...``); real environment variables win over both.

Example::

    >>> s = load_settings(env={"LOGCOPILOT_HOME": "/tmp/lc"})
    >>> str(s.db_path)
    '/tmp/lc/logcopilot.duckdb'
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from logcopilot.errors import ConfigError

__all__ = ["SETTINGS", "Setting", "Settings", "load_settings"]


@dataclass(frozen=True)
class Setting:
    """One documented setting: its key, environment variable, default and meaning."""

    key: str
    env: str
    default: str
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("home", "LOGCOPILOT_HOME", "~/.logcopilot", "directory for the store, caches and models"),
    Setting("db", "LOGCOPILOT_DB", "", "DuckDB store path (default: <home>/logcopilot.duckdb)"),
    Setting("results_dir", "LOGCOPILOT_RESULTS", "", "where `ask` writes traces (default: <home>/results)"),
    Setting("llm_provider", "LOGCOPILOT_LLM", "auto", "auto | openai | local | none"),
    Setting("openai_api_key", "OPENAI_API_KEY", "", "key for an OpenAI-compatible endpoint"),
    Setting("openai_base_url", "OPENAI_BASE_URL", "", "base URL of an OpenAI-compatible endpoint"),
    Setting("chat_model", "LOGCOPILOT_CHAT_MODEL", "gpt-4o-mini", "chat model name at the endpoint"),
    Setting("embedding_model", "LOGCOPILOT_EMBEDDING_MODEL", "", "embedding model name at the endpoint"),
    Setting("model_path", "LOGCOPILOT_MODEL_PATH", "", "GGUF file for the local provider"),
    Setting("loki_base_url", "LOKI_BASE_URL", "", "a real Grafana Loki to query instead of the embedded store"),
    Setting("loki_tenant", "LOKI_TENANT", "", "X-Scope-OrgID sent to Loki"),
    Setting("loki_token", "LOKI_TOKEN", "", "bearer token sent to Loki"),
    Setting("loki_user", "LOKI_USER", "", "basic-auth user for Loki"),
    Setting("loki_password", "LOKI_PASSWORD", "", "basic-auth password for Loki"),
    Setting("auth_enabled", "LOGCOPILOT_AUTH_ENABLED", "false", "`serve`: require X-Scope-OrgID, isolate tenants"),
    Setting("serve_token", "LOGCOPILOT_TOKEN", "", "`serve`: bearer token required on every endpoint but /ready"),
    Setting("max_body_bytes", "LOGCOPILOT_MAX_BODY_BYTES", "67108864", "`serve`: largest request body accepted"),
)


@dataclass(frozen=True)
class Settings:
    """Resolved settings; ``values`` holds every key of ``SETTINGS`` as a string."""

    values: Mapping[str, str] = field(default_factory=dict)

    def get(self, key: str) -> str:
        if key not in self.values:
            raise ConfigError(f"unknown setting {key!r}")
        return self.values[key]

    @property
    def home(self) -> Path:
        return Path(self.values["home"]).expanduser()

    @property
    def db_path(self) -> Path:
        db = self.values.get("db", "")
        return Path(db).expanduser() if db else self.home / "logcopilot.duckdb"

    @property
    def results_dir(self) -> Path:
        rd = self.values.get("results_dir", "")
        return Path(rd).expanduser() if rd else self.home / "results"


def _read_dotenv(path: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    if not path.is_file():
        return out
    for raw in path.read_text(encoding="utf-8", errors="replace").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.removeprefix("export ").partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        out[key.strip()] = value
    return out


def _read_config_file(path: Path) -> dict[str, str]:
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"bad config file {path}: {exc}") from None
    known = {s.key for s in SETTINGS}
    out: dict[str, str] = {}
    for key, value in data.items():
        if key not in known:
            raise ConfigError(f"bad config file {path}: unknown setting {key!r}")
        out[key] = str(value)
    return out


def load_settings(
    env: Mapping[str, str] | None = None,
    dotenv: Path | None = None,
    **overrides: str | None,
) -> Settings:
    """Resolve every setting. ``overrides`` (e.g. ``db=...`` from ``--db``) win over all."""
    environ = dict(os.environ if env is None else env)
    dot = _read_dotenv(dotenv if dotenv is not None else Path.cwd() / ".env")
    home_raw = environ.get("LOGCOPILOT_HOME") or dot.get("LOGCOPILOT_HOME") or "~/.logcopilot"
    filed = _read_config_file(Path(home_raw).expanduser() / "config.toml")
    values: dict[str, str] = {}
    for s in SETTINGS:
        value = s.default
        if s.key in filed:
            value = filed[s.key]
        if s.env in dot:
            value = dot[s.env]
        if s.env in environ:
            value = environ[s.env]
        override = overrides.get(s.key)
        if override is not None:
            value = str(override)
        values[s.key] = value
    unknown = set(overrides) - {s.key for s in SETTINGS}
    if unknown:
        raise ConfigError(f"unknown setting {sorted(unknown)[0]!r}")
    return Settings(values)

"""Settings registry: defaults < config file < .env < environment < explicit overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

from logcopilot.config import SETTINGS, load_settings
from logcopilot.errors import ConfigError


def test_precedence(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "config.toml").write_text('chat_model = "from-file"\nloki_tenant = "file-tenant"\n')
    dotenv = tmp_path / ".env"
    dotenv.write_text('# comment\nexport LOGCOPILOT_CHAT_MODEL="from-dotenv"\nOPENAI_API_KEY=sk-dot\n')
    env = {"LOGCOPILOT_HOME": str(home), "OPENAI_API_KEY": "sk-env"}
    s = load_settings(env=env, dotenv=dotenv)
    assert s.get("chat_model") == "from-dotenv"
    assert s.get("openai_api_key") == "sk-env"
    assert s.get("loki_tenant") == "file-tenant"
    assert s.db_path == home / "logcopilot.duckdb"
    assert load_settings(env=env, dotenv=dotenv, db=str(tmp_path / "x.db")).db_path == tmp_path / "x.db"


def test_every_setting_is_documented() -> None:
    assert len({s.key for s in SETTINGS}) == len(SETTINGS)
    assert all(s.help and s.env for s in SETTINGS)


def test_bad_config_file_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text("chat_model = [unclosed\n")
    with pytest.raises(ConfigError, match="bad config file"):
        load_settings(env={"LOGCOPILOT_HOME": str(tmp_path)}, dotenv=tmp_path / "none")
    (tmp_path / "config.toml").write_text('no_such_key = "x"\n')
    with pytest.raises(ConfigError, match="unknown setting 'no_such_key'"):
        load_settings(env={"LOGCOPILOT_HOME": str(tmp_path)}, dotenv=tmp_path / "none")
    with pytest.raises(ConfigError):
        load_settings(env={"LOGCOPILOT_HOME": str(tmp_path / "empty")}, dotenv=tmp_path / "none", bogus="1")

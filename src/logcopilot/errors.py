"""The one exception tree of LogCopilot.

Every error a user can cause or meet is one of these; the CLI prints ``str(error)`` on
one line and exits non-zero, and the HTTP layer maps ``error.status`` to a status code
with one body shape (Loki's: plain text for query errors).

::

    LogCopilotError                      status 500 unless noted
     ├── ConfigError                     bad setting, bad config file          (400)
     ├── InputError                      bad command-line or request argument   (400)
     ├── IngestError                     a file that cannot be read or parsed   (400)
     ├── StoreError                      the DuckDB store cannot be opened/used
     ├── LogQLError                      anything wrong with a LogQL query      (400)
     │    ├── ParseError                 syntax error with line, col, reason
     │    ├── SemanticError              well-formed but invalid query (no position)
     │    ├── UnsupportedError           valid LogQL this engine cannot evaluate
     │    └── QueryError                 evaluation failed (pipeline errors, limits)
     ├── BackendError                    a query backend (Loki) failed or is unreachable (502)
     ├── LLMError                        a language-model call failed              (502)
     │    ├── LLMUnavailableError        provider not configured / not installed / unreachable
     │    └── LLMResponseError           the model answered with something unusable
     └── AnswerError                     the answering pipeline could not answer   (422)
"""

from __future__ import annotations

__all__ = [
    "AnswerError",
    "BackendError",
    "ConfigError",
    "IngestError",
    "InputError",
    "LLMError",
    "LLMResponseError",
    "LLMUnavailableError",
    "LogCopilotError",
    "LogQLError",
    "ParseError",
    "QueryError",
    "SemanticError",
    "StoreError",
    "UnsupportedError",
]


class LogCopilotError(Exception):
    """Base of every error LogCopilot raises on purpose."""

    status: int = 500

    def __init__(self, message: str = "", *, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status

    def __str__(self) -> str:
        return self.message


class ConfigError(LogCopilotError):
    status = 400


class InputError(LogCopilotError):
    status = 400


class IngestError(LogCopilotError):
    status = 400


class StoreError(LogCopilotError):
    status = 500


class LogQLError(LogCopilotError):
    status = 400


class ParseError(LogQLError):
    """A LogQL syntax error at a position.

    ``str()`` follows Loki: ``parse error at line 1, col 26: syntax error: unexpected ...``.
    ``line`` and ``col`` are 1-based (Loki reports ``line 0`` for duration errors, which
    callers reproduce by passing ``line=0``); with no position at all (line 0, col 0) Loki
    prints ``parse error : <reason>``. ``excerpt`` shows the query line with a caret.
    """

    def __init__(self, reason: str, line: int, col: int, query: str = "") -> None:
        self.reason = reason
        self.line = line
        self.col = col
        self.query = query
        where = f" at line {line}, col {col}" if (line, col) != (0, 0) else " "
        super().__init__(f"parse error{where}: {reason}")

    @property
    def excerpt(self) -> str:
        lines = self.query.split("\n")
        if not (1 <= self.line <= len(lines)):
            return ""
        text = lines[self.line - 1]
        return f"{text}\n{' ' * max(self.col - 1, 0)}^"


class SemanticError(LogQLError):
    """A well-formed query that LogQL rejects; ``str()`` is ``parse error : <reason>``."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"parse error : {reason}")


class UnsupportedError(LogQLError):
    """Valid LogQL that this engine does not evaluate. Never answered with a guess."""


class QueryError(LogQLError):
    """Evaluation failed; ``status`` says which HTTP code Loki would give (400 or 500)."""


class BackendError(LogCopilotError):
    status = 502


class LLMError(LogCopilotError):
    status = 502


class LLMUnavailableError(LLMError):
    pass


class LLMResponseError(LLMError):
    pass


class AnswerError(LogCopilotError):
    status = 422

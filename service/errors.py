"""The project's own errors: what went wrong, in words a caller can act on.

Every layer below ``api/`` raises these (or a subclass that names its slice); the API maps each
to an HTTP status once in ``api/errors.py``, the CLI to an exit code in ``api/cli/exit_codes.py``.

=================  =====================================================  ====
error              meaning                                                HTTP
=================  =====================================================  ====
InvalidInput       the caller's input cannot be run; ``errors`` name each  422
                   field (``{"loc": [...], "msg": ...}``)
NotFound           no such thing (or not visible to this caller)          404
NotReady           it exists but is not finished yet                      409
OverQuota          too much waiting already; retry later                  429
ModelUnavailable   the server has no trained model for it                 503
=================  =====================================================  ====
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "InvalidInput",
    "ModelUnavailable",
    "NotFound",
    "NotReady",
    "OverQuota",
    "QsdiffError",
    "field_error",
]


class QsdiffError(Exception):
    """Base of every error qsdiff raises on purpose."""


class InvalidInput(QsdiffError, ValueError):
    """Input that validates as types but cannot be run; ``errors`` name each field to fix."""

    def __init__(self, errors: list[dict[str, Any]], message: str | None = None) -> None:
        self.errors = errors
        if message is None:
            message = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in errors)
        super().__init__(message)


def field_error(field: str, message: str, *, typed: bool = True) -> list[dict[str, Any]]:
    """The one-entry ``errors`` list of a request body's ``field`` (``type`` value_error)."""
    error: dict[str, Any] = {"loc": ["body", field], "msg": message}
    if typed:
        error["type"] = "value_error"
    return [error]


class NotFound(QsdiffError, LookupError):
    """No such thing, or none this caller may see."""


class NotReady(QsdiffError, RuntimeError):
    """The thing exists but is not finished (yet)."""


class OverQuota(QsdiffError, RuntimeError):
    """Too much work is waiting already; retry later."""


class ModelUnavailable(QsdiffError, RuntimeError, LookupError):
    """No trained model where the settings point; the message says how to make one."""

"""The command line, ``qsdiff``: a user interface beside HTTP (see ARCHITECTURE.md)."""

from __future__ import annotations

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``qsdiff`` console script (:func:`api.cli.commands.main`)."""
    from api.cli.commands import main as run_command

    return run_command(argv)

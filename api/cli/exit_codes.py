"""The project's errors as exit codes, once for every ``qsdiff`` command (HTTP: ``api/errors.py``).

=================  ====  ==========================================================
error              exit  meaning
=================  ====  ==========================================================
InvalidInput       2     the input cannot be run (as argparse's usage errors)
NotFound           3     no such thing
NotReady           4     it exists but is not finished yet
OverQuota          5     too much waiting already; retry later
ModelUnavailable   6     no trained model where the settings point
QsdiffError        1     any other error of the project's
=================  ====  ==========================================================

0 is success; a command's own codes (``conformers``: 1 when some molecules were skipped) are
its docstring's.
"""

from __future__ import annotations

import sys

from service.errors import (
    InvalidInput,
    ModelUnavailable,
    NotFound,
    NotReady,
    OverQuota,
    QsdiffError,
)

__all__ = ["EXIT_CODES", "report"]

EXIT_CODES: dict[type[QsdiffError], int] = {
    InvalidInput: 2,
    NotFound: 3,
    NotReady: 4,
    OverQuota: 5,
    ModelUnavailable: 6,
    QsdiffError: 1,
}


def report(error: QsdiffError, prog: str) -> int:
    """Print ``error`` on stderr as one line, ``PROG: error: MESSAGE`` like argparse; its code."""
    message = " ".join(str(error).split())
    print(f"{prog}: error: {message}", file=sys.stderr)
    return next(EXIT_CODES[kind] for kind in type(error).__mro__ if kind in EXIT_CODES)

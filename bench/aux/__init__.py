"""``qsdiff bench aux NAME``: the measurements of one auxiliary model's central claim, as JSON."""

from __future__ import annotations

import argparse
import importlib
import sys

from service.aux import AUX_MODELS

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    """Run ``bench/aux/NAME.py`` with the remaining options."""
    parser = argparse.ArgumentParser(prog="qsdiff bench aux", description=__doc__)
    parser.add_argument("name", choices=sorted(AUX_MODELS), help="which auxiliary model")
    parser.add_argument("options", nargs=argparse.REMAINDER, help="the benchmark's own options")
    args = parser.parse_args(argv)
    return importlib.import_module(f"bench.aux.{args.name}").main(args.options)


if __name__ == "__main__":
    sys.exit(main())

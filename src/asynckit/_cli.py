"""The ``asynckit`` command line (also ``python -m asynckit``)."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from asynckit._version import __version__

if TYPE_CHECKING:
    from collections.abc import Sequence


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the ``asynckit`` command."""
    parser = argparse.ArgumentParser(
        prog="asynckit",
        description=(
            "Production helpers for structured concurrency on asyncio and trio. "
            "Run 'asynckit demo' to see the library at work."
        ),
    )
    parser.add_argument("--version", action="version", version=f"asynckit {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    demo = commands.add_parser(
        "demo",
        help="run a short demonstration of each capability and print what it did",
        description="Run a short demonstration of each asynckit capability.",
    )
    demo.add_argument(
        "--backend",
        choices=["asyncio", "trio"],
        default="asyncio",
        help="event loop to run the demonstration on (default: %(default)s)",
    )
    demo.add_argument(
        "--only",
        metavar="SECTION",
        action="append",
        help="run only this section (repeatable); see --list",
    )
    demo.add_argument("--list", action="store_true", help="list the sections and exit")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``asynckit`` command and return its exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "demo":
        from asynckit._demo import run_demo

        return run_demo(backend=args.backend, only=args.only, list_only=args.list)
    parser.print_help(sys.stdout)
    return 0

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

    debug = commands.add_parser(
        "debug",
        help="run a program, report never-awaited coroutines, lost tasks and a blocked loop",
        description=(
            "Run a Python program (like 'python SCRIPT' or 'python -m MODULE') with the "
            "never-awaited detector, asyncio debug mode and the blocking watchdog; print "
            "a report at exit. The exit status is non-zero when problems were found."
        ),
    )
    debug.add_argument(
        "--format",
        choices=["text", "json"],
        default="text",
        help="report format (default: %(default)s)",
    )
    debug.add_argument(
        "--output",
        metavar="FILE",
        type=argparse.FileType("w", encoding="utf-8"),
        help="write the report to FILE instead of standard error",
    )
    debug.add_argument(
        "--block-threshold",
        metavar="SECONDS",
        type=float,
        default=0.1,
        help="report the event loop as blocked after this long (default: %(default)s)",
    )
    debug.add_argument(
        "--stack-depth",
        metavar="N",
        type=int,
        default=8,
        help="frames of each creation stack to keep (default: %(default)s)",
    )
    debug.add_argument("-m", dest="module", metavar="MODULE", help="run a module as a script")
    debug.add_argument("script", nargs="?", metavar="SCRIPT", help="the program to run")
    debug.add_argument("args", nargs=argparse.REMAINDER, help="its arguments")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``asynckit`` command and return its exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "demo":
        from asynckit._demo import run_demo

        return run_demo(backend=args.backend, only=args.only, list_only=args.list)
    if args.command == "debug":
        from asynckit._debug_cli import run_debug

        if args.module is None and args.script is None:
            parser.error("asynckit debug: give a SCRIPT or -m MODULE")
        if args.block_threshold <= 0:
            parser.error("--block-threshold must be a positive number of seconds")
        if args.stack_depth < 1:
            parser.error("--stack-depth must be at least 1")
        if args.module is not None:
            target, module = args.module, True
            program_args = [args.script, *args.args] if args.script is not None else args.args
        else:
            target, module, program_args = args.script, False, args.args
        try:
            return run_debug(
                target=target,
                module=module,
                args=program_args,
                fmt=args.format,
                output=args.output,
                block_threshold=args.block_threshold,
                stack_depth=args.stack_depth,
            )
        finally:
            if args.output is not None:
                args.output.close()
    parser.print_help(sys.stdout)
    return 0

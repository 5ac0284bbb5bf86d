"""asynckit: production helpers for structured concurrency on asyncio and trio."""

from asynckit._asyncify import asyncify as asyncify
from asynckit._executor import run_in_executor as run_in_executor
from asynckit._to_process import to_process as to_process
from asynckit._to_thread import to_thread as to_thread
from asynckit._util import fixup_module_metadata as _fixup_module_metadata
from asynckit._version import __version__ as __version__

__all__: list[str] = [
    "asyncify",
    "run_in_executor",
    "to_process",
    "to_thread",
]

_fixup_module_metadata(__name__, globals())
del _fixup_module_metadata

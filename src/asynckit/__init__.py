"""asynckit: production helpers for structured concurrency on asyncio and trio."""

from asynckit._taskgroup import TaskGroup as TaskGroup
from asynckit._taskhandle import TaskHandle as TaskHandle
from asynckit._util import fixup_module_metadata as _fixup_module_metadata
from asynckit._version import __version__ as __version__

__all__: list[str] = [
    "TaskGroup",
    "TaskHandle",
]

_fixup_module_metadata(__name__, globals())
del _fixup_module_metadata

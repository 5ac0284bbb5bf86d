"""asynckit: production helpers for structured concurrency on asyncio and trio."""

from asynckit._loopthread import LoopThread as LoopThread
from asynckit._loopthread_calls import LoopThreadClosedError as LoopThreadClosedError
from asynckit._loopthread_calls import LoopThreadFuture as LoopThreadFuture
from asynckit._loopthread_core import LoopThreadStatistics as LoopThreadStatistics
from asynckit._syncify import syncify as syncify
from asynckit._util import fixup_module_metadata as _fixup_module_metadata
from asynckit._version import __version__ as __version__

__all__: list[str] = [
    "LoopThread",
    "LoopThreadClosedError",
    "LoopThreadFuture",
    "LoopThreadStatistics",
    "syncify",
]

_fixup_module_metadata(__name__, globals())
del _fixup_module_metadata

"""asynckit: production helpers for structured concurrency on asyncio and trio."""

from asynckit._amap import amap as amap
from asynckit._as_completed import as_completed as as_completed
from asynckit._asyncify import asyncify as asyncify
from asynckit._executor import run_in_executor as run_in_executor
from asynckit._gather import gather as gather
from asynckit._loopthread import LoopThread as LoopThread
from asynckit._loopthread_calls import LoopThreadClosedError as LoopThreadClosedError
from asynckit._loopthread_calls import LoopThreadFuture as LoopThreadFuture
from asynckit._loopthread_core import LoopThreadStatistics as LoopThreadStatistics
from asynckit._shield import shield as shield
from asynckit._shielded import CancelShield as CancelShield
from asynckit._shielded import shielded as shielded
from asynckit._syncify import syncify as syncify
from asynckit._taskgroup import TaskGroup as TaskGroup
from asynckit._taskhandle import TaskHandle as TaskHandle
from asynckit._timeout_scope import Timeout as Timeout
from asynckit._timeouts import move_on_after as move_on_after
from asynckit._timeouts import move_on_at as move_on_at
from asynckit._timeouts import timeout as timeout
from asynckit._timeouts import timeout_at as timeout_at
from asynckit._timeouts import with_timeout as with_timeout
from asynckit._to_process import to_process as to_process
from asynckit._to_thread import to_thread as to_thread
from asynckit._util import fixup_module_metadata as _fixup_module_metadata
from asynckit._version import __version__ as __version__
from asynckit._wait import ALL_COMPLETED as ALL_COMPLETED
from asynckit._wait import FIRST_COMPLETED as FIRST_COMPLETED
from asynckit._wait import FIRST_EXCEPTION as FIRST_EXCEPTION
from asynckit._wait import wait as wait
from asynckit._wait_for import wait_for as wait_for

__all__: list[str] = [
    "ALL_COMPLETED",
    "FIRST_COMPLETED",
    "FIRST_EXCEPTION",
    "CancelShield",
    "LoopThread",
    "LoopThreadClosedError",
    "LoopThreadFuture",
    "LoopThreadStatistics",
    "TaskGroup",
    "TaskHandle",
    "Timeout",
    "amap",
    "as_completed",
    "asyncify",
    "gather",
    "move_on_after",
    "move_on_at",
    "run_in_executor",
    "shield",
    "shielded",
    "syncify",
    "timeout",
    "timeout_at",
    "to_process",
    "to_thread",
    "wait",
    "wait_for",
    "with_timeout",
]

_fixup_module_metadata(__name__, globals())
del _fixup_module_metadata

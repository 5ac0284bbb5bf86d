"""Calls from a worker thread back to the task waiting for it.

A blocking function run by [`asynckit.to_thread`][], [`asynckit.run_in_executor`][]
(on a thread pool) or [`asynckit.asyncify`][] can use these to notice that its
caller was cancelled and to run code on the caller's event loop, on asyncio and
trio alike.

.. versionadded:: 0.1.0
"""

from asynckit._from_thread import check_cancelled as check_cancelled
from asynckit._from_thread import run as run
from asynckit._from_thread import run_sync as run_sync
from asynckit._util import fixup_module_metadata as _fixup_module_metadata

__all__ = ["check_cancelled", "run", "run_sync"]

_fixup_module_metadata(__name__, globals())
del _fixup_module_metadata

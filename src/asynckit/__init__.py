"""asynckit: production helpers for structured concurrency on asyncio and trio."""

from asynckit._amap import amap as amap
from asynckit._as_completed import as_completed as as_completed
from asynckit._gather import gather as gather
from asynckit._util import fixup_module_metadata as _fixup_module_metadata
from asynckit._version import __version__ as __version__
from asynckit._wait import ALL_COMPLETED as ALL_COMPLETED
from asynckit._wait import FIRST_COMPLETED as FIRST_COMPLETED
from asynckit._wait import FIRST_EXCEPTION as FIRST_EXCEPTION
from asynckit._wait import wait as wait

__all__: list[str] = [
    "ALL_COMPLETED",
    "FIRST_COMPLETED",
    "FIRST_EXCEPTION",
    "amap",
    "as_completed",
    "gather",
    "wait",
]

_fixup_module_metadata(__name__, globals())
del _fixup_module_metadata

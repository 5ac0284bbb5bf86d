"""asynckit: production helpers for structured concurrency on asyncio and trio."""

from asynckit._gather import gather as gather
from asynckit._util import fixup_module_metadata as _fixup_module_metadata
from asynckit._version import __version__ as __version__

__all__: list[str] = [
    "gather",
]

_fixup_module_metadata(__name__, globals())
del _fixup_module_metadata

"""The installed version of asynckit."""

__version__ = "0.1.0.dev0"

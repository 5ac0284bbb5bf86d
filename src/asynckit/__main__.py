"""Entry point for ``python -m asynckit``."""

from asynckit._cli import main

if __name__ == "__main__":
    raise SystemExit(main())

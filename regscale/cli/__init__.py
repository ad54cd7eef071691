"""The ``regscale`` command line: one click group, one module per command."""

from __future__ import annotations

from regscale.cli.app import cli, main

__all__ = ["cli", "main"]

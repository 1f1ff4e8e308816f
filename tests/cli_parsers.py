"""The argparse parsers of the ``modspec`` subcommands, for tests that read help, flags and defaults."""

from __future__ import annotations

import argparse

from proofs.cli import build_parser

__all__ = ["subcommand_parsers"]


def subcommand_parsers(parser: argparse.ArgumentParser | None = None) -> dict[str, argparse.ArgumentParser]:
    """Command name -> its parser, from ``parser`` (a fresh ``build_parser()`` by default)."""
    parser = parser or build_parser()
    return next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices

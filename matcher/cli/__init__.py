"""The `matcher` command line; heavy libraries are imported inside each subcommand."""

from matcher.cli.common import CliError
from matcher.cli.main import main, parser

__all__ = ["CliError", "main", "parser"]

"""Matchmaking engine for the Stockholm region's innovation ecosystem."""

__version__ = "0.1.0"

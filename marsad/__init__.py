"""Marsad (مرصد): watch Arabic news for security-cooperation developments."""

__version__ = "0.1.0"

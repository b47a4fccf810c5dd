"""Bundled sample feeds (written for Marsad) and a tiny local server for ``marsad demo``."""

"""Placeholder: the graph emulation is being written."""

VENDORS = []

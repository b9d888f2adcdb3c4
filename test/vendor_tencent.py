"""Placeholder: the tencent emulation is being written."""

VENDORS = []

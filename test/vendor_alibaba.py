"""Placeholder: the alibaba emulation is being written."""

VENDORS = []

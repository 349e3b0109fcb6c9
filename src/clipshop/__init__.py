"""Clipshop: a shoppable short-video platform whose users' personal data stays in their home region."""

__version__ = "0.1.0"

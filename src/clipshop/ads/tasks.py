"""Advertising's jobs and how they are declared; the composition root binds each to the work it runs."""

from __future__ import annotations

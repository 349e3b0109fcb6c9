"""Pages (placeholder until the web UI lands)."""

from __future__ import annotations

from fastapi import FastAPI


def mount_web(app: FastAPI) -> None:
    return None

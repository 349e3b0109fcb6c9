"""A server process runs numpy's BLAS on one thread: a request's matrix products are small, and OpenBLAS's
spare threads spin between calls, taking the cores from the requests of other threads."""

from __future__ import annotations

import asyncio

from fastapi import FastAPI
from threadpoolctl import threadpool_info, threadpool_limits

from clipshop.app import create_app, one_blas_thread
from clipshop.config import Settings


def blas_threads() -> set[int]:
    """The thread counts of every BLAS loaded (numpy's; scipy's too once another test has imported it)."""
    counts = {info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas"}
    assert counts, "numpy loads a BLAS"
    return counts


def test_one_blas_thread_holds_blas_to_one_thread() -> None:
    with threadpool_limits(limits=2, user_api="blas"):  # the test process's own limit comes back after
        assert blas_threads() == {2}
        one_blas_thread()
        assert blas_threads() == {1}


def test_a_server_holds_blas_to_one_thread_from_its_start(settings: Settings) -> None:
    async def started(app: FastAPI) -> set[int]:
        async with app.router.lifespan_context(app):
            return blas_threads()

    with threadpool_limits(limits=2, user_api="blas"):
        assert asyncio.run(started(create_app(settings))) == {1}

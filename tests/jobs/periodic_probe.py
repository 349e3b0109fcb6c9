"""A periodic job for the scheduler's tests, loaded into a worker by
`CLIPSHOP_JOBS_MODULES=["periodic_probe"]`: every `CLIPSHOP_TEST_PROBE_SECONDS` seconds it appends the start
of the period it serves and its process id to the file `CLIPSHOP_TEST_PROBE_FILE`, one line per run."""

from __future__ import annotations

import os
from pathlib import Path

from clipshop.jobs.queue import Job, current_slot
from clipshop.platform import Platform

PROBE = Job[[]]("periodic_probe")


def register_jobs(platform: Platform) -> None:
    record = Path(os.environ["CLIPSHOP_TEST_PROBE_FILE"])
    every_s = int(os.environ["CLIPSHOP_TEST_PROBE_SECONDS"])

    def run() -> None:
        slot = current_slot()
        assert slot is not None
        # One short write to a file opened for appending: lines from several processes never interleave.
        with record.open("a") as out:
            out.write(f"{slot.isoformat()} {os.getpid()}\n")

    platform.jobs.register(PROBE, run, every_seconds=every_s)

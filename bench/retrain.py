"""The scheduled retrain of one region's For You model, in this process, with its report as one JSON line.

bench/feed.py runs it as a child process so the peak RSS it reads back is the retrain's own. By hand, on a
data dir kept with `bench/feed.py --keep`:

    .venv/bin/python bench/retrain.py --data-dir /tmp/clipshop-bench-feed-XXXX/data us
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import resource
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import harness


def plain(report: Any) -> dict[str, Any]:
    """The retrain's report as JSON-ready fields, whatever shape it comes in."""
    if dataclasses.is_dataclass(report) and not isinstance(report, type):
        return dataclasses.asdict(report)
    if isinstance(report, Mapping):
        return dict(report)
    if hasattr(report, "model_dump"):
        dumped: dict[str, Any] = report.model_dump(mode="json")
        return dumped
    return {"report": repr(report)}


def peak_rss_kb() -> int:
    """This process's own peak RSS (VmHWM). Not ru_maxrss: on Linux that carries the parent's RSS over the
    fork and exec that started this process, so a large parent would hide the retrain's figure."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data-dir", type=Path, required=True, help="the platform's data dir")
    parser.add_argument("region", help="the region whose events to train on")
    args = parser.parse_args()
    # The settings a bench server on this data dir runs with, so the model lands where it will look; the
    # databases too when they are PostgreSQL's (bench/feed.py --postgres names them in the environment).
    databases = {
        name.removeprefix("CLIPSHOP_"): os.environ[name]
        for name in ("CLIPSHOP_DIRECTORY_URL", "CLIPSHOP_REGIONS")
        if name in os.environ
    }
    environ = harness.platform_env(args.data_dir.resolve(), **databases)
    os.environ.clear()
    os.environ.update(environ)

    from clipshop.assembly import build_platform
    from clipshop.config import Settings
    from clipshop.feed.learning.training import retrain

    platform = build_platform(Settings())
    try:
        base_rss_kb = peak_rss_kb()
        started = time.perf_counter()
        report = retrain(platform, args.region)
        seconds = time.perf_counter() - started
    finally:
        platform.close()
    result = {
        "region": args.region,
        "seconds": seconds,
        "base_rss_kb": base_rss_kb,
        "peak_rss_kb": peak_rss_kb(),
        "report": plain(report),
    }
    print(json.dumps(result, default=str), flush=True)


if __name__ == "__main__":
    main()

"""A process of an app's worth of spenders for the budget concurrency test: threads charging one campaign's
slice in one region, each charge in its own transaction (as a report of a viewable impression is), until a
stop file appears. Prints what it charged as JSON.

    python ad_spender.py '{"region_urls": {...}, "directory_url": "...", "region": "us", "campaign": "...",
                           "day": "2026-06-01", "price": 7919, "threads": 4, "pause_s": 0.0,
                           "ready": "/tmp/x/ready-1", "stop": "/tmp/x/stop"}'
"""

from __future__ import annotations

import json
import sys
import threading
import time
from datetime import UTC, date, datetime
from pathlib import Path

from clipshop.ads import budgets
from clipshop.kit.db import Databases


def main(config: dict[str, object]) -> None:
    region_urls = config["region_urls"]
    assert isinstance(region_urls, dict)
    databases = Databases(directory_url=str(config["directory_url"]), region_urls=region_urls)
    region, campaign = str(config["region"]), str(config["campaign"])
    day = date.fromisoformat(str(config["day"]))
    price, pause_s = int(str(config["price"])), float(str(config["pause_s"]))
    stop = Path(str(config["stop"]))
    charged = [0] * int(str(config["threads"]))
    refused = [0] * len(charged)
    start = threading.Barrier(len(charged) + 1)

    def spend(n: int) -> None:
        start.wait()
        while not stop.exists():
            with databases.unit_of_work(home=region).transaction() as uow:
                took = budgets.spend(
                    uow,
                    region=region,
                    campaign_id=campaign,
                    day=day,
                    price_micros=price,
                    now=datetime.now(UTC),
                )
            if took:
                charged[n] += 1
            else:
                refused[n] += 1
                time.sleep(0.002)
            if pause_s:
                time.sleep(pause_s)

    threads = [threading.Thread(target=spend, args=(n,)) for n in range(len(charged))]
    for thread in threads:
        thread.start()
    start.wait()
    Path(str(config["ready"])).touch()
    for thread in threads:
        thread.join()
    databases.dispose()
    print(json.dumps({"region": region, "charged": sum(charged), "refused": sum(refused)}))


if __name__ == "__main__":
    main(json.loads(sys.argv[1]))

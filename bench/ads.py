"""Ads on the embedded default: the latency of an ad decision with 10,000 active campaigns, and For You's
latency with ads and without them, in the same run, over bench/feed.py's corpus.

Loads the corpus as bench/feed.py does (from its cache when it holds it, and retrains), or serves a data dir
an earlier `feed.py --keep` (or `ads.py --keep`) left with `--reuse DIR`, as it is. Then writes --campaigns
active campaigns straight into the databases, as serving sees them: their directory copies (`public_ads`,
each promoting a video of the corpus, with cpm, cpc or ocpm bids, half of them targeting one to three of the
corpus's hashtags, three in ten one or two regions, one in twenty shop engagers), each region's budget
slice of the day for every campaign, and predicted rates for half of the ads in each region. Ads left from
an earlier run in a reused dir are removed first.

1. Decision: in this process, `ads.serving.decide` for one slot for random viewers of the corpus (their
   interests from their latest events, as For You computes them, worked out beforehand), --decisions times
   after a warm-up: the serving call alone, with its reads (frequency caps, the winners' directory rows and
   fresh slices) in a unit of work of the viewer whose connections are open (as For You's are by then),
   rolled back.
2. For You: two servers over the same data, one with `ads_load` 6 and one with 0 (no ads), driven in
   alternating rounds the way bench/feed.py drives one (random signed-in viewers, some scrolling on), with
   the periodic jobs off in both (the rates job would replace the made rates). p50 and p99 of each, over all
   rounds.

    .venv/bin/python bench/ads.py --videos 20000 --users 2000 --json    # a modest corpus
    .venv/bin/python bench/ads.py --reuse /tmp/clipshop-bench-feed-XXXX --json
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import harness
import numpy as np
import psutil
from sqlalchemy import create_engine, delete, insert, select

import feed

CAMPAIGNS = 10_000
BID_TYPES = {"cpm": 0.6, "cpc": 0.3, "ocpm": 0.1}


def load_ads(data_dir: Path, *, campaigns: int, seed: int) -> dict[str, int]:
    """Write `campaigns` active campaigns (one ad each) into the directory, with a slice of the day and rates
    in every region; returns the rows written per table."""
    from clipshop.ads.models import AdBudgetSlice, AdEvent, AdRate, PublicAd
    from clipshop.kit.ids import new_id
    from clipshop.videos.models import PublicVideo

    rng = np.random.default_rng(seed)
    now = datetime.now(UTC)
    today = now.date()
    made = now - timedelta(hours=1)  # campaigns set up earlier, not changing under the measure
    directory = create_engine(f"sqlite:///{data_dir / 'directory.db'}")
    regions = {r: create_engine(f"sqlite:///{data_dir / 'regions' / f'{r}.db'}") for r in feed.REGIONS}
    with directory.begin() as conn:
        conn.execute(delete(PublicAd))
        videos = list(conn.execute(select(PublicVideo.id).order_by(PublicVideo.id)).scalars())
    chosen = rng.choice(len(videos), size=campaigns, replace=len(videos) < campaigns)
    advertisers = [new_id("us") for _ in range(max(1, campaigns // 2))]
    kinds = rng.choice(list(BID_TYPES), size=campaigns, p=list(BID_TYPES.values()))
    rows = []
    for n in range(campaigns):
        kind = str(kinds[n])
        bid = {"cpm": rng.integers(100, 2000), "cpc": rng.integers(5, 100), "ocpm": rng.integers(500, 5000)}[
            kind
        ]
        tags = rng.choice(len(feed.TAGS), size=int(rng.integers(1, 4)), replace=False)
        targeted = rng.random(3)
        rows.append(
            {
                "ad_id": new_id("us"),
                "region": "us",
                "advertiser_id": advertisers[n % len(advertisers)],
                "advertiser_name": f"Advertiser {n % len(advertisers)}",
                "staff_ids": "",
                "campaign_id": new_id("us"),
                "ad_group_id": new_id("us"),
                "kind": "video",
                "video_id": videos[int(chosen[n])],
                "product_id": None,
                "shop_id": new_id("us") if targeted[2] < 0.05 else None,
                "headline": f"Headline {n}",
                "call_to_action": "Learn more",
                "objective": "views",
                "bid_type": kind,
                "bid": int(bid),
                "currency": "USD",
                "target_regions": " ".join(
                    rng.choice(feed.REGIONS, size=int(rng.integers(1, 3)), replace=False).tolist()
                )
                if targeted[0] < 0.3
                else "",
                "interests": " ".join(feed.TAGS[t] for t in tags) if targeted[1] < 0.5 else "",
                "retarget": "shop_engagers" if targeted[2] < 0.05 else "",
                "frequency_cap": 3,
                "daily_budget": 100_000,
                "starts_at": now - timedelta(days=1),
                "ends_at": None,
                "quality": float(np.round(rng.uniform(0.6, 1.4), 3)),
                "serving": True,
                "created_at": made,
                "updated_at": made,
            }
        )
    with directory.begin() as conn:
        conn.execute(insert(PublicAd), rows)
    written = {"public_ads": len(rows), "ad_budget_slices": 0, "ad_rates": 0}
    for engine in regions.values():
        slices = [
            {
                "campaign_id": row["campaign_id"],
                "day": today,
                "allotted_micros": 10**12,
                "spent_micros": int(rng.integers(0, 10**9)),
                "updated_at": now,
            }
            for row in rows
        ]
        rated = [row for row in rows if rng.random() < 0.5]
        shown = rng.integers(100, 20_000, size=len(rated))
        clicked = rng.binomial(shown, 0.01)
        rates = [
            {
                "ad_id": row["ad_id"],
                "impressions": int(i),
                "clicks": int(c),
                "conversions": int(c // 20),
                "p_click": float((c + 10) / (i + 1000)),
                "p_purchase": float((c // 20 + 0.5) / (i + 1000)),
                "updated_at": now,
            }
            for row, i, c in zip(rated, shown.tolist(), clicked.tolist(), strict=True)
        ]
        with engine.begin() as conn:
            for table in (AdBudgetSlice, AdRate, AdEvent):
                conn.execute(delete(table))
            conn.execute(insert(AdBudgetSlice), slices)
            conn.execute(insert(AdRate), rates)
        written["ad_budget_slices"] += len(slices)
        written["ad_rates"] += len(rates)
    for engine in [directory, *regions.values()]:
        engine.dispose()
    return written


@dataclasses.dataclass
class Decisions:
    latencies_ms: list[float]
    cpu_ms: list[float]  # this thread's CPU time per decision: the work, without waits for the cores
    filled: int
    viewers: int
    first_view_s: float  # the first decision of the process: the index's first read of 10,000 ads


def measure_decisions(data_dir: Path, *, count: int, warmup: int, viewers: int, seed: int) -> Decisions:
    """`ads.serving.decide` for one slot, for random viewers of the corpus, in this process."""
    os.environ["CLIPSHOP_CONFIG"] = str(data_dir / "no-config.toml")
    from clipshop.accounts.models import User
    from clipshop.ads import serving
    from clipshop.assembly import build_platform
    from clipshop.config import Settings
    from clipshop.events import service as events
    from clipshop.feed.facts import load_facts
    from clipshop.feed.interests import interests_of
    from clipshop.feed.not_interested import marks_of, topic_of
    from clipshop.jobs.queue import JobQueue
    from clipshop.kit.actors import Actor
    from clipshop.kit.everywhere import everywhere
    from clipshop.social.shield import shield_of

    settings = Settings(env="dev", data_dir=data_dir, jobs_backend="memory", jobs_consumer_in_app=False)
    platform = build_platform(
        settings,
        jobs=JobQueue.from_settings(
            backend="memory",
            sqlite_path=settings.jobs_sqlite_path(),
            redis_url=settings.redis_url,
            name="ads",
        ),
    )
    rng = random.Random(seed)
    try:
        people: list[serving.Viewer] = []
        with everywhere(platform.databases).transaction() as uow:  # the bench's own look at every region
            for region in feed.REGIONS:
                share = max(1, round(viewers * feed.REGION_WEIGHTS[region]))
                query = select(User.id, User.handle).order_by(User.id).limit(share * 20)
                found = list(uow.region(region).execute(query))
                for user_id, handle in rng.sample(found, min(share, len(found))):
                    actor = Actor(id=user_id, region=region, handle=handle)
                    recent = events.recent(uow, actor=actor, limit=300)
                    facts = load_facts(uow, sorted({e.video_id for e in recent if e.video_id}))
                    now = platform.clock.now()
                    marks = marks_of(uow, actor=actor, now=now)
                    people.append(
                        serving.Viewer(
                            actor=actor,
                            tags=interests_of(recent, facts, now).tags,
                            products=serving.Viewer.shop_products(recent),
                            hidden_creators=shield_of(uow, actor).out_of_feeds,
                            keeps_out=lambda v, c, h, marks=marks: marks.keeps_out(v, c, topic_of(h)),
                        )
                    )
        latencies: list[float] = []
        cpu: list[float] = []
        filled = 0
        first_view_s = 0.0
        for n in range(warmup + count):
            viewer = rng.choice(people)
            uow = platform.uow(actor=viewer.actor)
            # For You has both connections open by the time it decides: so does the measure.
            uow.region(viewer.actor.region).connection()
            uow.directory.connection()
            started, started_cpu = time.perf_counter(), time.thread_time()
            try:
                placed = serving.decide(
                    uow, platform=platform, viewer=viewer, slots=1, now=platform.clock.now()
                )
            finally:
                elapsed, elapsed_cpu = time.perf_counter() - started, time.thread_time() - started_cpu
                uow.rollback()
                uow.close()
            if n == 0:
                first_view_s = elapsed
            if n >= warmup:
                latencies.append(elapsed * 1000)
                cpu.append(elapsed_cpu * 1000)
                filled += bool(placed)
        return Decisions(latencies, cpu, filled, len(people), first_view_s)
    finally:
        platform.close()


def page_share(url: str, token: str, pages: int = 5) -> tuple[int, int]:
    """Items and sponsored items over a few pages of one viewer's For You (a check that ads are served)."""
    import httpx

    items = sponsored = 0
    cursor = None
    for _ in range(pages):
        params = {"cursor": cursor} if cursor else {}
        body = httpx.get(
            f"{url}{harness.API}/feed/for-you", params=params, headers={"Authorization": f"Bearer {token}"}
        ).json()
        items += len(body["items"])
        sponsored += sum(1 for item in body["items"] if item.get("sponsored"))
        cursor = body.get("next_cursor")
        if not cursor:
            break
    return items, sponsored


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--videos", type=int, default=1_000_000, help="published videos to load")
    parser.add_argument("--users", type=int, default=100_000, help="users (with sessions and events) to load")
    parser.add_argument("--events-per-user", type=float, default=40.0, help="engagement events per user")
    parser.add_argument("--campaigns", type=int, default=CAMPAIGNS, help="active campaigns (one ad each)")
    parser.add_argument("--decisions", type=int, default=3000, help="ad decisions measured in process")
    parser.add_argument("--viewers", type=int, default=300, help="viewers the decisions are made for")
    parser.add_argument(
        "--concurrency", type=int, default=4, help="For You: concurrent keep-alive connections"
    )
    parser.add_argument(
        "--rounds", type=int, default=2, help="For You: alternating rounds with and without ads"
    )
    parser.add_argument("--duration-s", type=float, default=10.0, help="For You: measured seconds per round")
    parser.add_argument(
        "--warmup-s", type=float, default=3.0, help="For You: unmeasured seconds per round first"
    )
    parser.add_argument("--seed", type=int, default=7, help="seed of the synthetic data and the viewers")
    parser.add_argument("--no-cache", action="store_true", help="build the corpus afresh and do not cache it")
    parser.add_argument(
        "--reuse",
        type=Path,
        default=None,
        metavar="DIR",
        help="serve a scratch dir an earlier --keep run of feed.py or ads.py printed (no load, no retrain)",
    )
    harness.add_common_options(parser)
    args = parser.parse_args()
    dropped = harness.clean_environ()
    if dropped:
        harness.console.print(
            f"[yellow]ignoring {', '.join(dropped)}: benchmarks run the embedded default[/]"
        )
    harness.console.print(f"machine: {harness.machine_note()}")
    scratch = (
        contextlib.nullcontext(args.reuse.resolve())
        if args.reuse
        else harness.scratch_dir(args.data_dir, prefix="ads", keep=args.keep)
    )
    with scratch as root:
        data_dir = root / "data"
        if args.reuse:
            dataset = feed.Dataset(**json.loads((root / "dataset.json").read_text()))
            args.videos, args.users = dataset.rows["public_videos"], dataset.rows["users"]
        # With --reuse: the sizes of the corpus served, which a run without it would build.
        command = harness.reproduce_command("ads.py", parser, args)
        if not args.reuse:
            dataset = feed.prepare(data_dir, args)
            if args.keep:
                (root / "dataset.json").write_text(json.dumps(dataclasses.asdict(dataset)))
            feed.retrain_all(data_dir, dataset, {})
        started = time.perf_counter()
        with harness.console.status(f"Writing {args.campaigns:,} campaigns"):
            written = load_ads(data_dir, campaigns=args.campaigns, seed=args.seed)
        rows = ", ".join(f"{k} {v:,}" for k, v in written.items())
        harness.console.print(f"wrote {rows} in {time.perf_counter() - started:.1f} s")
        harness.warm_page_cache(sorted(data_dir.rglob("*.db")))
        with harness.console.status(f"Measuring {args.decisions:,} ad decisions"):
            decisions = measure_decisions(
                data_dir, count=args.decisions, warmup=200, viewers=args.viewers, seed=args.seed
            )
        env = {"JOBS_CONSUMER_IN_APP": "false"}
        phases: dict[str, list[feed.Phase]] = {"with ads": [], "without ads": []}
        with (
            harness.Server(
                data_dir=data_dir, env=harness.platform_env(data_dir, ADS_LOAD="6", **env)
            ) as with_ads,
            harness.Server(
                data_dir=data_dir, env=harness.platform_env(data_dir, ADS_LOAD="0", **env)
            ) as without,
        ):
            servers = {"with ads": with_ads, "without ads": without}
            for server in servers.values():
                for token in feed.first_token_per_region(dataset.tokens):
                    feed.check_feed(server.url, token)
            shown = page_share(with_ads.url, dataset.tokens[0])
            for round_ in range(args.rounds):
                for name in ("without ads", "with ads") if round_ % 2 == 0 else ("with ads", "without ads"):
                    server = servers[name]
                    options = {
                        "concurrency": args.concurrency,
                        "server": psutil.Process(server.pid),
                        "tokens": dataset.tokens,
                        "seed": args.seed + round_,
                    }
                    with harness.console.status(f"{name}, round {round_ + 1}: warming up"):
                        harness.run_async(
                            feed.run_phase("for-you", server.port, duration_s=args.warmup_s, **options)
                        )
                    with harness.console.status(f"{name}, round {round_ + 1}: measuring"):
                        phase = feed.run_phase("for-you", server.port, duration_s=args.duration_s, **options)
                        phases[name].append(harness.run_async(phase))
    figures = report(args, decisions, phases, shown, written)
    harness.console.print(f"machine after the run: {harness.machine_note()}")
    harness.finish(command, figures, as_json=args.json)


def report(
    args: argparse.Namespace,
    decisions: Decisions,
    phases: dict[str, list[feed.Phase]],
    shown: tuple[int, int],
    written: dict[str, int],
) -> dict[str, Any]:
    def latencies(name: str) -> list[float]:
        return [s.latency_s * 1000 for phase in phases[name] for s in phase.samples if s.ok]

    def errors(name: str) -> int:
        return sum(phase.errors for phase in phases[name])

    def cpu_ms(name: str) -> float:
        """The server's CPU per For You request (SQLite runs inside it): the work, whatever the queue."""
        served = sum(len(phase.samples) for phase in phases[name]) or 1
        return 1000 * sum(phase.server_cpu_s for phase in phases[name]) / served

    with_ads, without = latencies("with ads"), latencies("without ads")
    p = harness.percentile
    rows = [
        ["ad decision (in process)", f"{len(decisions.latencies_ms):,}", "0",
         f"{p(decisions.latencies_ms, 50):.2f}", f"{p(decisions.latencies_ms, 90):.2f}",
         f"{p(decisions.latencies_ms, 99):.2f}"],
        ["ad decision, its thread's CPU", f"{len(decisions.cpu_ms):,}", "0",
         f"{p(decisions.cpu_ms, 50):.2f}", f"{p(decisions.cpu_ms, 90):.2f}",
         f"{p(decisions.cpu_ms, 99):.2f}"],
        ["GET /feed/for-you, ads_load 6", f"{len(with_ads):,}", str(errors("with ads")),
         f"{p(with_ads, 50):.1f}", f"{p(with_ads, 90):.1f}", f"{p(with_ads, 99):.1f}"],
        ["GET /feed/for-you, ads_load 0", f"{len(without):,}", str(errors("without ads")),
         f"{p(without, 50):.1f}", f"{p(without, 90):.1f}", f"{p(without, 99):.1f}"],
    ]  # fmt: skip
    title = (
        f"{args.campaigns:,} active campaigns; {args.videos:,} videos, {args.users:,} users; For You over "
        f"{args.concurrency} connection(s), {args.rounds} alternating round(s) of {args.duration_s:g} s"
    )
    harness.console.print(
        harness.table(title, ["", "requests", "errors", "p50 ms", "p90 ms", "p99 ms"], rows)
    )
    growth = p(with_ads, 99) / p(without, 99) - 1
    harness.console.print(
        f"decisions filled: {decisions.filled:,} of {len(decisions.latencies_ms):,} for {decisions.viewers} "
        f"viewers; the process's first decision (the index's first read) {decisions.first_view_s:.2f} s; "
        f"sponsored items on one viewer's first pages: {shown[1]} of {shown[0]}; "
        f"For You p99 with ads / without: {growth:+.1%}; server CPU per For You request: "
        f"{cpu_ms('with ads'):.1f} ms with ads, {cpu_ms('without ads'):.1f} ms without"
    )
    return {
        "campaigns": args.campaigns,
        "decision_p50_ms": round(p(decisions.latencies_ms, 50), 3),
        "decision_p99_ms": round(p(decisions.latencies_ms, 99), 3),
        "decision_cpu_p50_ms": round(p(decisions.cpu_ms, 50), 3),
        "decision_cpu_p99_ms": round(p(decisions.cpu_ms, 99), 3),
        "decisions": len(decisions.latencies_ms),
        "decisions_filled": decisions.filled,
        "index_first_read_s": round(decisions.first_view_s, 3),
        "feed_p50_ms_with_ads": round(p(with_ads, 50), 2),
        "feed_p99_ms_with_ads": round(p(with_ads, 99), 2),
        "feed_p50_ms_without_ads": round(p(without, 50), 2),
        "feed_p99_ms_without_ads": round(p(without, 99), 2),
        "feed_p99_growth": round(growth, 4),
        "feed_cpu_ms_per_request": {
            "with_ads": round(cpu_ms("with ads"), 2),
            "without_ads": round(cpu_ms("without ads"), 2),
        },
        "feed_requests": {"with_ads": len(with_ads), "without_ads": len(without)},
        "errors": errors("with ads") + errors("without ads"),
        "sponsored_items_seen": {"items": shown[0], "sponsored": shown[1]},
        "rows": written,
        "videos": args.videos,
        "users": args.users,
        "concurrency": args.concurrency,
    }


if __name__ == "__main__":
    sys.exit(main())

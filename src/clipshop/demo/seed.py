"""Demo data that looks like a real platform: creators in several regions, clips generated with ffmpeg and
posted through the same resumable-upload and transcode path users take, viewers who engage with them, shops
and orders, and advertisers whose reviewed campaigns promote clips and products.

Idempotent: accounts are matched by email, clips by caption, so a second run adds only what is missing.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.progress import Progress

from clipshop.assembly import build_platform
from clipshop.config import Settings, WriteRates
from clipshop.demo.ads import seed_ads
from clipshop.demo.api import DEMO_PASSWORD, DemoApi, Person
from clipshop.demo.clips import generate_clip
from clipshop.demo.shops import seed_shops
from clipshop.feed.learning.training import retrain
from clipshop.platform import Platform

CREATORS = (
    Person("maya.makes", "Maya Ortiz", "US", "DIY home projects on a budget"),
    Person("chef.theo", "Theo Brandt", "DE", "15-minute dinners from Berlin"),
    Person("kiri.surf", "Kiri Walker", "NZ", "Surf, sand and board reviews"),
    Person("lena.fit", "Lena Novak", "FR", "Home workouts, no equipment"),
    Person("outback.jo", "Jo Nguyen", "AU", "Camping gear that survives the outback"),
    Person("glow.by.ana", "Ana Costa", "PT", "Skincare that is actually affordable"),
    Person("tech.tom", "Tom Reyes", "US", "Gadgets tested so you don't have to"),
    Person("mapleandpine", "Claire Roy", "CA", "Cozy cabin living and thrifted finds"),
    Person("petsofsydney", "Mia Chen", "AU", "Rescue dogs and their favourite toys"),
    Person("streetstyle.ldn", "Sam Okafor", "GB", "London street style, every day"),
    Person("bakery.nl", "Daan de Vries", "NL", "Sourdough, stroopwafels and more"),
    Person("trail.mix", "Priya Shah", "US", "Trail running and hiking gear"),
    Person("nz.kitchen", "Aroha Smith", "NZ", "Kiwi baking classics"),
)
VIEWERS = (
    Person("viewer.us", "Jamie (US)", "US", ""),
    Person("viewer.eu", "Noor (EU)", "DE", ""),
    Person("viewer.au", "Riley (AU)", "AU", ""),
)
# Viewers who watch two creators' clips to the end and skim the rest: enough taste for each region's
# For You model to learn from at the end of the seed.
FANS = tuple(
    Person(f"fan{n}.{region}", f"Fan {n} ({region.upper()})", country, "")
    for region, country in (("us", "US"), ("eu", "DE"), ("au", "AU"))
    for n in range(6)
)
TOPICS = {
    "maya.makes": ["#diy #homedecor #budget", "shelf upgrade in 10 minutes", "paint trick nobody told me"],
    "chef.theo": ["#cooking #dinner #quickrecipes", "one-pan pasta", "crispy tofu without a fryer"],
    "kiri.surf": ["#surf #nz #beach", "dawn patrol at Raglan", "which leash actually lasts"],
    "lena.fit": ["#fitness #homeworkout #abs", "8 minute core burner", "stretch before bed"],
    "outback.jo": ["#camping #outdoors #gear", "tent setup in 90 seconds", "my stove after 3 years"],
    "glow.by.ana": ["#skincare #beauty #routine", "morning routine under $30", "sunscreen texture test"],
    "tech.tom": ["#tech #gadgets #review", "the charger that replaced 4", "noise cancelling on a train"],
    "mapleandpine": ["#cabin #thrift #cozy", "thrift haul for the cabin", "wood stove morning"],
    "petsofsydney": ["#dogs #pets #rescue", "toy test with Biscuit", "zoomies at the beach"],
    "streetstyle.ldn": ["#fashion #streetstyle #ootd", "three ways to wear a trench", "Camden finds"],
    "bakery.nl": ["#baking #sourdough #bread", "shaping a boule", "homemade stroopwafels"],
    "trail.mix": ["#running #trail #hiking", "shoe test on wet rock", "what's in my race vest"],
    "nz.kitchen": ["#baking #nz #pavlova", "pavlova that doesn't crack", "afghan biscuits"],
}


@dataclass(frozen=True)
class ClipSpec:
    creator: str
    caption: str
    width: int
    height: int
    duration_s: float
    audio: bool = True
    rotation: int = 0

    @property
    def name(self) -> str:
        digest = hashlib.sha1(self.caption.encode()).hexdigest()[:8]
        return f"{self.creator}-{digest}-{self.width}x{self.height}-{self.duration_s:g}s-r{self.rotation}"


def clip_specs(count: int, *, small: bool) -> list[ClipSpec]:
    """A stable list of `count` clips: mostly 720x1280, some 1080x1920, one landscape, one silent, one
    rotated."""
    rng = random.Random(2026)
    specs: list[ClipSpec] = []
    creators = [c.handle for c in CREATORS]
    for index in range(count):
        creator = creators[index % len(creators)]
        tags, *titles = TOPICS[creator]
        caption = (
            f"{titles[(index // len(creators)) % len(titles)]} (part {index // len(creators) + 1}) {tags}"
        )
        if small:
            specs.append(ClipSpec(creator, caption, 360, 640, 2.0 + index % 2))
            continue
        # Short clips keep the first `make demo` to a few minutes of transcoding on two cores.
        width, height = (1080, 1920) if index % 5 == 0 else (720, 1280)
        duration = float(rng.choice([3, 4, 5, 6] if width == 1080 else [3, 4, 5, 6, 7, 8, 10, 12]))
        specs.append(ClipSpec(creator, caption, width, height, duration))
    if not small and count >= 4:
        specs[1] = ClipSpec(specs[1].creator, specs[1].caption, 1280, 720, 6.0)  # landscape
        specs[2] = ClipSpec(specs[2].creator, specs[2].caption, 720, 1280, 5.0, audio=False)  # no audio
        specs[3] = ClipSpec(
            specs[3].creator, specs[3].caption, 1280, 720, 4.0, rotation=90
        )  # phone held sideways
        specs[4] = ClipSpec(specs[4].creator, specs[4].caption, 720, 1280, 30.0)  # the longest
    return specs


def seed_demo(settings: Settings, *, clips: int, small: bool, progress: Progress) -> str:
    # The seed plays every member from one address, in seconds: the limits on people are not for it.
    unlimited = WriteRates(**{action: "10000/minute" for action in WriteRates.rated()})
    settings = settings.with_overrides(
        login_rate="10000/minute", write_rates=unlimited, jobs_consumer_in_app=False
    )
    platform = build_platform(settings)
    try:
        return _seed(platform, clips=clips, small=small, progress=progress)
    finally:
        platform.close()


def _watch_as_fans(api: DemoApi, feed: list[dict[str, Any]]) -> None:
    """Each fan completes the clips of two favourite creators and skims a few others."""
    handles = sorted({item["creator"]["handle"] for item in feed})
    for n, fan in enumerate(FANS):
        rng = random.Random(n)
        favourites = {handles[n % len(handles)], handles[(n * 3 + 1) % len(handles)]}
        events = []
        for item in feed:
            if item["creator"]["handle"] in favourites:
                events += [
                    {"video_id": item["id"], "kind": "play", "watched_s": 0},
                    {"video_id": item["id"], "kind": "complete", "watched_s": item["duration_s"]},
                ]
            elif rng.random() < 0.2:
                events.append({"video_id": item["id"], "kind": "play", "watched_s": 0.5})
        for start in range(0, len(events), 100):
            api.call("POST", "/api/v1/events", fan.handle, json={"events": events[start : start + 100]})


def _seed(platform: Platform, *, clips: int, small: bool, progress: Progress) -> str:
    api = DemoApi(platform)
    people = progress.add_task("Accounts", total=len(CREATORS) + len(VIEWERS) + len(FANS))
    for person in (*CREATORS, *VIEWERS, *FANS):
        api.account(person)
        progress.advance(people)

    specs = clip_specs(clips, small=small)
    clip_dir = platform.settings.data_dir / "demo-clips"
    generating = progress.add_task("Generating clips (ffmpeg)", total=len(specs))
    files: dict[ClipSpec, Path] = {}
    for index, spec in enumerate(specs):
        path = clip_dir / f"{spec.name}.mp4"
        if not path.exists():
            generate_clip(
                path,
                width=spec.width,
                height=spec.height,
                duration_s=spec.duration_s,
                audio=spec.audio,
                rotation=spec.rotation,
                seed=index,
            )
        files[spec] = path
        progress.advance(generating)

    existing: dict[str, set[str]] = {}
    for person in CREATORS:
        mine = api.call("GET", "/api/v1/videos/mine", person.handle).json()
        existing[person.handle] = {v["caption"] for v in mine if v["status"] != "failed"}
    posting = progress.add_task("Uploading and transcoding", total=len(specs))
    posted = 0
    for spec in specs:
        if spec.caption not in existing[spec.creator]:
            upload_id = api.upload(spec.creator, files[spec])
            api.call(
                "POST", "/api/v1/videos", spec.creator, json={"upload_id": upload_id, "caption": spec.caption}
            )
            platform.jobs.drain()
            posted += 1
        progress.advance(posting)
    platform.jobs.drain()

    engaging = progress.add_task("Likes, comments, follows", total=len(VIEWERS))
    feed = api.call("GET", "/api/v1/feed/for-you", params={"limit": 50}).json()["items"]
    rng = random.Random(7)
    for viewer in VIEWERS:
        for item in rng.sample(feed, k=min(len(feed), 12)):
            api.call("POST", f"/api/v1/videos/{item['id']}/like", viewer.handle)
            api.call(
                "POST",
                "/api/v1/events",
                viewer.handle,
                json={
                    "events": [
                        {"video_id": item["id"], "kind": "play", "watched_s": 0},
                        {"video_id": item["id"], "kind": "complete", "watched_s": item["duration_s"]},
                    ]
                },
            )
        for item in feed[:3]:
            comments = api.call("GET", f"/api/v1/videos/{item['id']}/comments").json()["items"]
            if not any(c["author"]["handle"] == viewer.handle for c in comments):
                api.call(
                    "POST",
                    f"/api/v1/videos/{item['id']}/comments",
                    viewer.handle,
                    json={"body": f"Love this, @{item['creator']['handle']}!"},
                )
        for creator in rng.sample(CREATORS, k=4):
            api.call("POST", f"/api/v1/users/{creator.handle}/follow", viewer.handle)
        progress.advance(engaging)
    _watch_as_fans(api, feed)
    platform.jobs.drain()
    shopping = progress.add_task("Shops, products and orders", total=1)
    commerce = seed_shops(api, videos=feed)
    progress.advance(shopping)
    advertising = progress.add_task("Advertisers, campaigns and reviewed ads", total=1)
    ads = seed_ads(api, videos=feed)
    progress.advance(advertising)
    training = progress.add_task("Training each region's For You model", total=len(platform.settings.regions))
    for region in platform.settings.regions:
        retrain(platform, region)
        progress.advance(training)
    total = len(api.call("GET", "/api/v1/feed/for-you", params={"limit": 50}).json()["items"])
    return (
        f"Seeded {len(CREATORS)} creators and {len(VIEWERS)} viewers in regions "
        f"{', '.join(sorted({platform.regions.home_region(p.country) for p in CREATORS}))}; "
        f"posted {posted} new clips ({len(specs)} in the demo set; the first feed page shows {total}); "
        f"{commerce}; {ads}. "
        f"Log in as {CREATORS[0].email} / {DEMO_PASSWORD}"
    )

"""The mixed load of bench/scale.py: viewers who swipe For You, like, comment, add to cart, check out and,
rarely, upload a clip, over a few keep-alive connections, each sending its next request as soon as the last
answer is in (a closed loop).

Each connection plays the viewers of its own slice of the accounts, so no two connections share a cart or
a pending checkout. Its next operation is drawn from `MIX`:

- `for_you`: the current viewer's next For You page (after the fourth, another viewer starts afresh);
- `like`, `comment`: a video of the page the current viewer last saw;
- `add_to_cart`: one unit of a random variant of the bench shop;
- `checkout`: the cart of one of this connection's viewers who has one (with an Idempotency-Key, the
  sandbox card that succeeds and a shipping address in the viewer's country); with no such viewer yet, the
  current viewer adds to the cart instead. A viewer who has checked out shops no more in the run: the lines
  bought leave the cart only when the payment's webhook has been handled (a job), and a line added again
  before that would go with them;
- `upload`: the current viewer posts a tiny clip: tus create, one PATCH with the whole clip, then
  `POST /videos` (published once transcoded): three requests, each its own sample.

Every request is one sample. 2xx is success; 429 is an admission answer (a busy hot item, a rate limit),
counted apart; anything else is an error, and the first few are kept for the report.
"""

from __future__ import annotations

import asyncio
import base64
import json
import random
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import quote

import harness

# Shares of the operations, in percent. Uploads stay rare: each costs the worker a transcode, which on a
# small machine would otherwise take the cores the app processes are measured on.
MIX = {"for_you": 60.0, "like": 14.0, "comment": 6.0, "add_to_cart": 10.0, "checkout": 9.75, "upload": 0.25}
PAGES_PER_VIEWER = 4
COMMENTS = ["love this", "where is this from?", "so good", "need this", "wow", "great edit", "haha yes"]
SANDBOX_CARD = "4242424242424242"  # the sandbox's card that succeeds
KEPT_ERRORS = 5
JSON = {"Content-Type": "application/json"}
TUS = {"Tus-Resumable": "1.0.0"}
Headers = dict[str, str] | None


@dataclass(frozen=True)
class Viewer:
    token: str
    country: str


@dataclass
class Tally:
    """What one operation's requests got: latencies of the measured ones, and how they were answered."""

    latencies_ms: list[float] = field(default_factory=list)
    ok: int = 0
    busy: int = 0  # 429: admission control or a rate limit
    errors: int = 0
    statuses: Counter[int] = field(default_factory=Counter)

    @property
    def requests(self) -> int:
        return self.ok + self.busy + self.errors


@dataclass
class LoadResult:
    elapsed_s: float
    client_cpu_s: float  # this process, during the measured time
    tallies: dict[str, Tally]
    first_errors: list[str]

    @property
    def requests(self) -> int:
        return sum(t.requests for t in self.tallies.values())

    @property
    def rps(self) -> float:
        return self.requests / self.elapsed_s

    def latencies_ms(self) -> list[float]:
        return [ms for t in self.tallies.values() for ms in t.latencies_ms]


class Client:
    """One connection and the viewers it plays."""

    def __init__(self, *, port: int, viewers: list[Viewer], variants: list[str], clip: bytes, seed: int,
                 mix: dict[str, float], bought: set[Viewer], result: LoadResult) -> None:  # fmt: skip
        self.conn = harness.HttpConnection("127.0.0.1", port)
        self.viewers, self.variants, self.clip = viewers, variants, clip
        self.mix, self.bought = mix, bought
        self.rng = random.Random(seed)
        self.result = result
        self.viewer = self.rng.choice(viewers)
        self.pages = 0
        self.cursor: str | None = None
        self.seen: list[str] = []  # video ids of the current viewer's last page
        self.carted: set[Viewer] = set()

    async def call(
        self, op: str, method: str, target: str, *, viewer: Viewer, headers: Headers = None,
        body: bytes | None = None,
    ) -> tuple[int, dict[str, str], bytes]:  # fmt: skip
        sent = {"Authorization": f"Bearer {viewer.token}", **(headers or {})}
        started = time.perf_counter()
        status, fields, answer = await self.conn.request(method, target, sent, body)
        tally = self.result.tallies.setdefault(op, Tally())
        tally.latencies_ms.append((time.perf_counter() - started) * 1000)
        tally.statuses[status] += 1
        if 200 <= status < 300:
            tally.ok += 1
        elif status == 429:
            tally.busy += 1
        else:
            tally.errors += 1
            if len(self.result.first_errors) < KEPT_ERRORS:
                self.result.first_errors.append(f"{op} {method} {target}: {status} {answer[:300]!r}")
        return status, fields, answer

    async def post_json(
        self, op: str, target: str, payload: object, viewer: Viewer, headers: Headers = None
    ) -> tuple[int, bytes]:
        sent = {**JSON, **(headers or {})}
        status, _, answer = await self.call(op, "POST", target, viewer=viewer, headers=sent,
                                            body=json.dumps(payload).encode())  # fmt: skip
        return status, answer

    async def for_you(self) -> None:
        if self.pages >= PAGES_PER_VIEWER or (self.pages and not self.cursor):
            self.viewer, self.pages, self.cursor, self.seen = self.rng.choice(self.viewers), 0, None, []
        target = f"{harness.API}/feed/for-you" + (f"?cursor={quote(self.cursor)}" if self.cursor else "")
        status, _, answer = await self.call("for_you", "GET", target, viewer=self.viewer)
        self.pages += 1
        if status == 200:
            page = json.loads(answer)
            self.cursor = page["next_cursor"]
            self.seen = [item["id"] for item in page["items"]]

    async def like(self) -> None:
        if not self.seen:
            return await self.for_you()
        video = self.rng.choice(self.seen)
        await self.call("like", "POST", f"{harness.API}/videos/{video}/like", viewer=self.viewer)

    async def comment(self) -> None:
        if not self.seen:
            return await self.for_you()
        video = self.rng.choice(self.seen)
        await self.post_json("comment", f"{harness.API}/videos/{video}/comments",
                             {"body": self.rng.choice(COMMENTS)}, self.viewer)  # fmt: skip

    async def add_to_cart(self) -> None:
        shopper = self.viewer
        while shopper in self.bought:
            shopper = self.rng.choice(self.viewers)
        payload = {"variant_id": self.rng.choice(self.variants), "quantity": 1}
        status, _ = await self.post_json("add_to_cart", f"{harness.API}/cart/items", payload, shopper)
        if status == 200:
            self.carted.add(shopper)

    async def checkout(self) -> None:
        if not self.carted:
            return await self.add_to_cart()
        buyer = self.rng.choice(sorted(self.carted, key=lambda v: v.token))
        address = {"name": "Bench Buyer", "line1": "1 Main St", "city": "Springfield", "postal_code": "12345",
                   "country": buyer.country}  # fmt: skip
        status, _ = await self.post_json("checkout", f"{harness.API}/checkout",
                                         {"address": address, "payment_method": SANDBOX_CARD}, buyer,
                                         {"Idempotency-Key": uuid.uuid4().hex})  # fmt: skip
        if status != 429:  # a busy answer leaves the cart as it was, for a later attempt
            self.carted.discard(buyer)
            self.bought.add(buyer)

    async def upload(self) -> None:
        name = base64.b64encode(b"clip.mp4").decode()
        status, fields, answer = await self.call(
            "upload", "POST", f"{harness.API}/uploads", viewer=self.viewer,
            headers={**TUS, "Upload-Length": str(len(self.clip)), "Upload-Metadata": f"filename {name}"},
        )  # fmt: skip
        if status != 201:
            return
        patch = {**TUS, "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"}
        status, _, _ = await self.call("upload", "PATCH", fields["location"], viewer=self.viewer,
                                       headers=patch, body=self.clip)  # fmt: skip
        if status != 204:
            return
        upload_id = json.loads(answer)["id"]
        await self.post_json("upload", f"{harness.API}/videos", {"upload_id": upload_id, "caption": "#scale"},
                             self.viewer)  # fmt: skip

    async def run(self, deadline: float) -> None:
        ops, weights = list(self.mix), list(self.mix.values())
        try:
            while time.perf_counter() < deadline:
                op = self.rng.choices(ops, weights)[0]
                await getattr(self, op)()
        finally:
            await self.conn.close()


async def drive(*, port: int, connections: int, duration_s: float, viewers: list[Viewer],
                variants: list[str], clip: bytes, seed: int, mix: dict[str, float],
                bought: set[Viewer]) -> LoadResult:  # fmt: skip
    """`connections` clients for `duration_s`, the viewers dealt out among them; `bought` (the viewers who
    have checked out) is carried from one call to the next."""
    result = LoadResult(elapsed_s=0.0, client_cpu_s=0.0, tallies={op: Tally() for op in MIX}, first_errors=[])
    clients = [
        Client(port=port, viewers=viewers[n::connections], variants=variants, clip=clip, seed=seed * 1000 + n,
               mix=mix, bought=bought, result=result)
        for n in range(connections)
    ]  # fmt: skip
    cpu, started = time.process_time(), time.perf_counter()
    await asyncio.gather(*(client.run(started + duration_s) for client in clients))
    result.elapsed_s = time.perf_counter() - started
    result.client_cpu_s = time.process_time() - cpu
    return result


def parse_mix(text: str) -> dict[str, float]:
    """`for_you=100` or `for_you=60,like=40`: the shares of the operations named (the others none)."""
    mix = {}
    for part in text.split(","):
        op, _, share = part.partition("=")
        if op.strip() not in MIX:
            raise ValueError(f"unknown operation {op.strip()!r}; choose from {', '.join(MIX)}")
        mix[op.strip()] = float(share)
    if sum(mix.values()) <= 0:
        raise ValueError("give at least one operation a share above 0")
    return mix

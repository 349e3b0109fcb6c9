"""Ports to the outside world; real implementations are picked by settings, test doubles live in tests/.

Ports say what the domain needs, never how an adapter does it: only the local adapters in `media/` know
that a key is a file on this machine."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO, Protocol


@dataclass(frozen=True)
class StoredMedia:
    """What a store says about one stored object: enough to answer conditional and Range requests."""

    size: int
    modified_at: float
    """Seconds since the epoch, as precise as the store keeps it (validators are derived from it)."""


class MediaStore(Protocol):
    """Where a region keeps its finished, servable files: renditions, posters, avatars, product pictures.

    A key names a file (`videos/<id>/hls/master.m3u8`); a prefix names a folder of them (`videos/<id>`, with
    or without the trailing slash), never part of a name. Some files sit behind the app's gate (a withheld or
    adults-only video, `videos.serving`): the store serves them only through the app (`conceal`)."""

    region: str

    def put_bytes(self, key: str, data: bytes) -> None: ...

    def put_file(self, key: str, source: Path) -> None:
        """Store a copy of the local file `source` at `key`."""
        ...

    def put_folder(self, prefix: str, source: Path) -> None:
        """Replace everything under `prefix` with the files of the local folder `source`, all at once:
        readers see the old set or the new, never a mix (a player that follows the new master playlist finds
        every file it names). `source` may be consumed."""
        ...

    def read_bytes(self, key: str) -> bytes: ...

    def open(self, key: str) -> BinaryIO:
        """A readable, seekable stream of the object at `key`; the caller closes it."""
        ...

    def read_range(self, key: str, *, start: int, end: int) -> bytes:
        """Bytes `start` up to (not including) `end` of the object at `key`."""
        ...

    def describe(self, key: str) -> StoredMedia | None:
        """Size and age of the object at `key`, or None if there is none."""
        ...

    def url(self, key: str) -> str:
        """Where anyone fetches the file: the app's media route, or the bucket's public address or CDN. A
        folder's files keep their relative paths, so an HLS playlist's relative URIs find its segments."""
        ...

    def gated_url(self, key: str) -> str:
        """Where the file is fetched through the app's media route, which asks the gate who may have it."""
        ...

    def conceal(self, prefix: str) -> None:
        """Stop serving the folder at its public URLs; `gated_url` (and every read here) still reaches it.
        Idempotent; a folder written while concealed stays concealed."""
        ...

    def reveal(self, prefix: str) -> None:
        """Serve a concealed folder at its public URLs again; idempotent."""
        ...

    def concealed_keys(self, prefix: str = "", *, before: datetime | None = None) -> list[str]:
        """The keys under `prefix` whose files are concealed (none where concealing moves nothing); with
        `before`, only those concealed before then."""
        ...

    def exists(self, key: str) -> bool: ...

    def delete_prefix(self, prefix: str) -> None: ...

    def keys(self, prefix: str = "") -> list[str]: ...


class UploadBusy(Exception):
    """Another writer holds the upload: two concurrent appends would interleave bytes."""


class UploadAppender(Protocol):
    """An open append to one upload; bytes written are durable only after `sync`."""

    def write(self, chunk: bytes) -> None: ...

    def sync(self) -> None:
        """Make everything written so far survive a crash (blocking; call it off the event loop)."""
        ...


class UploadVolume(Protocol):
    """A region's local filesystem for resumable uploads and the work done on them: apart from MediaStore,
    as tus appends and the transcoder need a disk while finished media may live in object storage."""

    region: str

    def create(self, upload_id: str) -> None:
        """Start an empty upload."""
        ...

    def append(self, upload_id: str, *, offset: int) -> AbstractContextManager[UploadAppender]:
        """Write from `offset` on (whatever lay past it is dropped); raises UploadBusy if another append is
        open."""
        ...

    def size(self, upload_id: str) -> int: ...

    def read(self, upload_id: str, *, start: int = 0, length: int = -1) -> bytes: ...

    def local_path(self, upload_id: str) -> Path:
        """The upload as a file on this machine, for probing and transcoding it in place."""
        ...

    def delete(self, upload_id: str) -> None: ...

    def upload_ids(self) -> list[str]:
        """Ids of every upload held (the residency check reads their region tags)."""
        ...

    def workspace(self, name: str) -> AbstractContextManager[Path]:
        """An empty local folder for a job's outputs, removed on exit (whatever is left in it)."""
        ...


@dataclass(frozen=True)
class ProbeResult:
    """What a probed file holds; `width`/`height` are the display size, after rotation and pixel aspect."""

    duration_s: float
    width: int
    height: int
    coded_width: int
    coded_height: int
    rotation: int
    """Clockwise degrees (0, 90, 180, 270) a player turns the coded picture to show it upright."""
    fps: float
    video_codec: str
    audio_codec: str | None
    container: str
    """The ffmpeg demuxer that read the file; force it again whenever the file is read."""
    video_stream: int = 0
    """Which of the file's video streams is the clip (ffmpeg's `0:v:N`); cover pictures are skipped."""
    audio_stream: int = 0
    """Which of the file's audio streams is the sound (ffmpeg's `0:a:N`), when there is one."""
    frame_count: int | None = None
    """Frames of the video stream, counted from its packets; None in facts recorded before frames were
    counted."""

    @property
    def has_audio(self) -> bool:
        """Whether the file has an audio stream."""
        return self.audio_codec is not None

    @property
    def short_side(self) -> int:
        """The smaller of the display width and height."""
        return min(self.width, self.height)

    @property
    def long_side(self) -> int:
        """The larger of the display width and height."""
        return max(self.width, self.height)


@dataclass(frozen=True)
class LadderRung:
    """One rendition as encoded, with what the master playlist says about it."""

    name: str
    width: int
    height: int
    bandwidth: int


@dataclass(frozen=True)
class Ladder:
    """What `Transcoder.ladder` wrote: paths relative to its output folder, and how long it took."""

    master: str
    poster: str
    thumb: str
    rungs: tuple[LadderRung, ...]
    elapsed_s: float
    signature: bytes = b""
    """The clip's perceptual signature, hashed in the same run (`clipshop.media.signature`); empty when
    the encoder made none."""


class TranscodeFailed(Exception):
    """The encoder failed or timed out; `stderr_tail` holds its last lines of output."""

    def __init__(self, reason: str, stderr_tail: Sequence[str] = ()) -> None:
        self.reason = reason
        self.stderr_tail = tuple(stderr_tail)
        super().__init__("\n".join((reason, *self.stderr_tail)))


class Transcoder(Protocol):
    """Reads uploaded media and makes what is served from it: probes, HLS ladders, still pictures."""

    def probe(self, source: Path) -> ProbeResult:
        """Describe a complete audio/video file, or raise UnsupportedMedia (safe on hostile files)."""
        ...

    def ladder(
        self,
        *,
        source: Path,
        probe: ProbeResult,
        renditions: Sequence[str],
        out_dir: Path,
        on_progress: Callable[[float], None] | None,
        timeout_s: float,
    ) -> Ladder:
        """Encode the named renditions of `source` as HLS under `out_dir`, with a poster, a thumb and the
        clip's signature, reading `source` once; raises TranscodeFailed."""
        ...

    def still(self, data: bytes, *, max_bytes: int, what: str, code: str, side: int, square: bool) -> bytes:
        """An uploaded picture re-encoded as a JPEG we made: a centred square `side` px wide if `square`,
        else scaled down to fit in `side`; raises TooLarge or UnsupportedMedia (with `code`)."""
        ...


class PaymentProvider(Protocol):
    """A card processor shaped like Stripe's: payment intents confirmed asynchronously by signed webhooks,
    refunds and transfers. Every call takes an idempotency key, so a retried call never charges twice."""

    name: str

    def create_intent(
        self,
        *,
        idempotency_key: str,
        amount: int,
        currency: str,
        payment_method: str,
        metadata: dict[str, str],
    ) -> IntentResult: ...

    def find_intent(self, *, idempotency_key: str) -> IntentResult | None:
        """The intent made with this key, if the provider has one (recovery after a crash)."""
        ...

    def cancel_intent(self, *, ref: str) -> IntentResult: ...

    def refund(
        self, *, idempotency_key: str, intent_ref: str, amount: int, metadata: dict[str, str] | None = None
    ) -> str:
        """Refund part or all of a succeeded intent; returns the provider's refund reference."""
        ...

    def transfer(self, *, idempotency_key: str, destination: str, amount: int, currency: str) -> str:
        """Pay out to a merchant's or creator's account; returns the provider's transfer reference."""
        ...

    def parse_webhook(self, *, payload: bytes, signature: str) -> ProviderEvent:
        """Verify the signature and freshness of a webhook and decode it; raises WebhookRejected."""
        ...


@dataclass(frozen=True)
class IntentResult:
    ref: str
    status: str  # requires_action | processing | succeeded | failed | cancelled
    amount: int
    currency: str
    card_last4: str | None = None
    failure_code: str | None = None
    next_action_url: str | None = None


@dataclass(frozen=True)
class ProviderEvent:
    id: str
    type: str  # payment_intent.succeeded | payment_intent.payment_failed | payment_intent.canceled | ...
    intent_ref: str
    occurred_at: datetime
    data: dict[str, Any] = field(default_factory=dict)


class WebhookRejected(Exception):
    """A webhook whose signature or timestamp does not check out."""


@dataclass(frozen=True)
class Email:
    """One message as the outbox hands it to a transport: plain text, addressed, with its Message-ID (the
    same on every attempt, so a receiver can tell a repeat)."""

    message_id: str
    sender: str
    to: str
    subject: str
    text: str
    headers: tuple[tuple[str, str], ...] = ()


class MailFailed(Exception):
    """The transport could not hand the message over; the outbox tries again later."""


class MailTransport(Protocol):
    """Hands messages over for delivery: an SMTP server, or a folder of files (the embedded default)."""

    name: str

    def send(self, mail: Email) -> None:
        """Deliver `mail` or raise MailFailed; once it returns, the message is accepted for delivery."""
        ...

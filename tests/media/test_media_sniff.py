from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clipshop.media.sniff import SNIFF_BYTES, sniff_container

DEMUXERS = {"mov", "matroska", "avi", "mpegts", "ogg", "flv", "mpeg", "asf", "wav", "flac", "mp3"}


def head_of(path: Path) -> bytes:
    with path.open("rb") as f:
        return f.read(SNIFF_BYTES)


@pytest.mark.slow
@pytest.mark.parametrize("demuxer", ["mov", "matroska", "mpegts", "avi", "flv", "ogg"])
def test_real_containers_name_their_demuxer(remuxed: dict[str, Path], demuxer: str) -> None:
    assert sniff_container(head_of(remuxed[demuxer])) == demuxer


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["png", "jpg", "gif", "webp"])
def test_images_are_not_containers(images: dict[str, Path], kind: str) -> None:
    assert sniff_container(head_of(images[kind])) is None


@pytest.mark.parametrize(
    "head",
    [
        pytest.param(b"#EXTM3U\n#EXT-X-VERSION:3\n#EXTINF:2.0,\nhttp://example.test/a.ts\n", id="m3u8"),
        pytest.param(b"\xef\xbb\xbf#EXTM3U\n#EXTINF:2.0,\nseg.ts\n", id="m3u8-bom"),
        pytest.param(b"ffconcat version 1.0\nfile '/etc/passwd'\n", id="ffconcat"),
        pytest.param(b"file 'a.mp4'\nfile 'b.mp4'\n", id="concat-list"),
        pytest.param(b"Just some words about a video.\n" * 20, id="text"),
        pytest.param(b"", id="empty"),
        pytest.param(b"RIFF\x24\x00\x00\x00WEBPVP8 ", id="webp-riff"),
        pytest.param(b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf", id="avif"),
        pytest.param(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic", id="heic"),
        pytest.param(b"1234free and then some text", id="text-with-atom-name"),
        pytest.param(b"\x47" + b"\x00" * 200, id="one-ts-sync-byte"),
        pytest.param(random.Random(7).randbytes(SNIFF_BYTES), id="random-bytes"),
    ],
)
def test_non_containers_are_refused(head: bytes) -> None:
    assert sniff_container(head) is None


@pytest.mark.parametrize(
    ("head", "demuxer"),
    [
        (b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41", "mov"),
        (b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00qt  ", "mov"),
        (b"\x00\x00\x00\x08wide\x00\x10\x00\x00mdat", "mov"),
        (b"\x00\x00\x02\x00moov\x00\x00\x00\x6cmvhd\x00\x00", "mov"),
        (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01", "matroska"),
        (b"RIFF\x00\x10\x00\x00AVI LIST", "avi"),
        (b"RIFF\x00\x10\x00\x00WAVEfmt ", "wav"),
        (b"OggS\x00\x02", "ogg"),
        (b"FLV\x01\x05\x00\x00\x00\x09", "flv"),
        (b"\x00\x00\x01\xba\x44\x00", "mpeg"),
        (bytes.fromhex("3026b2758e66cf11a6d900aa0062ce6c") + b"\x00" * 8, "asf"),
        (b"fLaC\x00\x00\x00\x22", "flac"),
        (b"ID3\x04\x00\x00\x00\x00\x00\x00", "mp3"),
        (b"".join(b"\x47" + bytes(187) for _ in range(4)), "mpegts"),
        (b"".join(bytes(4) + b"\x47" + bytes(187) for _ in range(4)), "mpegts"),
    ],
)
def test_signatures(head: bytes, demuxer: str) -> None:
    assert sniff_container(head) == demuxer


@given(st.binary(max_size=SNIFF_BYTES))
def test_any_bytes_give_a_known_demuxer_or_none(head: bytes) -> None:
    assert sniff_container(head) in DEMUXERS | {None}

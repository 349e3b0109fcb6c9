"""Recognise audio/video containers from their first bytes, and name the ffmpeg demuxer to force.

An allow-list of magic numbers, not a general file-type library: the answer must be a demuxer name that is
safe to force, and anything unknown (playlists, concat lists, images, text) must come out as ``None``.
"""

from __future__ import annotations

SNIFF_BYTES = 4096
"""How much of the head `sniff_container` needs to see; passing less only risks missing MPEG-TS."""

# ISO-BMFF brands of still images and image sequences (HEIF, AVIF, camera raw): they share the 'ftyp' box
# with MP4 but are not clips.
_IMAGE_BRANDS = frozenset(
    {
        b"avif",
        b"avis",
        b"heic",
        b"heix",
        b"heim",
        b"heis",
        b"hevc",
        b"hevx",
        b"mif1",
        b"mif2",
        b"msf1",
        b"crx ",
    }
)
_PADDING_BOXES = frozenset({b"wide", b"free", b"skip", b"pnot"})
_TS_PACKET = 188
_M2TS_PACKET = 192
_TS_PACKETS_TO_CHECK = 8
_TS_PACKETS_REQUIRED = 3
_ASF_GUID = bytes.fromhex("3026b2758e66cf11a6d900aa0062ce6c")


def sniff_container(head: bytes) -> str | None:
    """Return the ffmpeg demuxer for the container whose first bytes are `head`, or None if it is not one."""
    return _iso_bmff(head) or _by_magic(head) or _riff(head) or _mpeg_ts(head)


def _iso_bmff(head: bytes) -> str | None:
    if len(head) < 12:
        return None
    if head[4:8] == b"ftyp":
        return None if head[8:12] in _IMAGE_BRANDS else "mov"
    # Files without 'ftyp' (old QuickTime) must show a movie box or media data after at most some padding
    # boxes, so text that merely contains "free" or "wide" at offset 4 is not taken for a movie.
    offset = 0
    while offset + 8 <= len(head):
        size = int.from_bytes(head[offset : offset + 4], "big")
        box_type = head[offset + 4 : offset + 8]
        if box_type == b"mdat" and (size in (0, 1) or size >= 8):
            return "mov"
        if box_type == b"moov" and head[offset + 12 : offset + 16] in (b"mvhd", b"cmov"):
            return "mov"
        if box_type not in _PADDING_BOXES or size < 8:
            return None
        offset += size
    return None


def _by_magic(head: bytes) -> str | None:
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "matroska"
    if head.startswith(b"OggS"):
        return "ogg"
    if head.startswith(b"FLV\x01"):
        return "flv"
    if head.startswith(b"\x00\x00\x01\xba"):
        return "mpeg"
    if head.startswith(_ASF_GUID):
        return "asf"
    if head.startswith(b"fLaC"):
        return "flac"
    if head.startswith(b"ID3"):
        return "mp3"
    return None


def _riff(head: bytes) -> str | None:
    # RIFF also wraps WEBP images and other non-media chunks, so only the form types below count.
    if len(head) < 12 or head[0:4] != b"RIFF":
        return None
    return {b"AVI ": "avi", b"WAVE": "wav"}.get(head[8:12])


def _mpeg_ts(head: bytes) -> str | None:
    for offset, packet in ((0, _TS_PACKET), (4, _M2TS_PACKET)):
        visible = min(_TS_PACKETS_TO_CHECK, (len(head) - offset) // packet)
        if visible >= _TS_PACKETS_REQUIRED and all(head[offset + i * packet] == 0x47 for i in range(visible)):
            return "mpegts"
    return None

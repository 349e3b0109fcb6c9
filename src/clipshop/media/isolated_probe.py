"""Probing in a short-lived child process: a file that trips a bug in a demuxer or decoder can only take
down the child, which runs under CPU and memory limits, and the server never loads the media libraries.

    python -m clipshop.media.isolated_probe FILE   →  one JSON line: the probe result, or the error
"""

from __future__ import annotations

import dataclasses
import json
import resource
import subprocess
import sys
from pathlib import Path

from clipshop.errors import UnsupportedMedia
from clipshop.media.facts import ProbeResult

CPU_LIMIT_S = 120
MEMORY_LIMIT_BYTES = 2 * 1024**3


def _limit_child() -> None:
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_LIMIT_S, CPU_LIMIT_S))
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT_BYTES, MEMORY_LIMIT_BYTES))


def probe_isolated(path: Path, *, timeout_s: float = 180.0) -> ProbeResult:
    """`probe_file(path)` run in a child process; raises `UnsupportedMedia` as it would."""
    completed = subprocess.run(
        [sys.executable, "-m", "clipshop.media.isolated_probe", str(path)],
        capture_output=True,
        text=True,
        timeout=timeout_s,
        preexec_fn=_limit_child,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    lines = completed.stdout.strip().splitlines()
    answer = json.loads(lines[-1]) if lines else {}
    if completed.returncode == 0 and "result" in answer:
        return ProbeResult(**answer["result"])
    if "error" in answer:
        error = answer["error"]
        raise UnsupportedMedia(error["detail"], code=error["code"], field="file")
    # The child died (a crash, or a limit): the file is not something we can read safely.
    raise UnsupportedMedia(
        "This file could not be read as a video: upload an MP4, MOV, WebM or MKV clip.",
        code="not_media",
        field="file",
    )


def main(argv: list[str]) -> int:
    from clipshop.media.probe import probe_file  # PyAV loads in the child only, never in the server

    try:
        result = probe_file(Path(argv[1]))
    except UnsupportedMedia as error:
        print(json.dumps({"error": {"code": error.code, "detail": error.detail}}))
        return 3
    print(json.dumps({"result": dataclasses.asdict(result)}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

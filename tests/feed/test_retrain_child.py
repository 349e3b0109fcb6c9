"""The scheduled retrain's child process ends when the process that started it is gone, so a server stopped
or killed mid-retrain leaves no orphan holding cores and gigabytes."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psutil

PARENT = textwrap.dedent(
    """
    import multiprocessing, os, threading, time
    from clipshop.feed import training

    def child(parent):
        training.PARENT_CHECK_S = 0.05
        threading.Thread(target=training._exit_with, args=(parent,), daemon=True).start()
        time.sleep(120)  # a long fit

    if __name__ == "__main__":
        process = multiprocessing.get_context("spawn").Process(target=child, args=(os.getpid(),))
        process.start()
        print(process.pid, flush=True)
        time.sleep(120)
    """
)


def gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def test_the_retrain_child_exits_when_its_parent_is_killed(tmp_path: Path) -> None:
    script = tmp_path / "parent.py"
    script.write_text(PARENT)
    parent = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    try:
        assert parent.stdout is not None
        child = int(parent.stdout.readline())
        time.sleep(0.5)
        assert not gone(child)  # alive while its parent is
        parent.kill()
        parent.wait()
        deadline = time.monotonic() + 10
        while not gone(child) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert gone(child)
    finally:
        parent.kill()

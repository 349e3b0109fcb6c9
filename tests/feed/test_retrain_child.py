"""The scheduled retrain's child process ends when the process that started it is gone, so a server stopped
or killed mid-retrain leaves no orphan holding cores and gigabytes."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import psutil

from support import wait_until

PARENT = textwrap.dedent(
    """
    import multiprocessing, os, pathlib, sys, threading, time
    from clipshop.feed.learning import training

    def child(parent, checked):
        training.PARENT_CHECK_S = 0.05
        threading.Thread(target=training._exit_with, args=(parent,), daemon=True).start()
        time.sleep(0.5)  # ten of the watchdog's checks, with the parent alive
        pathlib.Path(checked).touch()
        time.sleep(120)  # a long fit

    if __name__ == "__main__":
        process = multiprocessing.get_context("spawn").Process(target=child, args=(os.getpid(), sys.argv[1]))
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
    checked = tmp_path / "checked"
    parent = subprocess.Popen([sys.executable, str(script), str(checked)], stdout=subprocess.PIPE, text=True)
    try:
        assert parent.stdout is not None
        child = int(parent.stdout.readline())
        wait_until(checked.exists, timeout_s=60, what="the child to run its watchdog for a while")
        assert not gone(child)  # alive while its parent is
        parent.kill()
        parent.wait()
        wait_until(lambda: gone(child), timeout_s=10, what=f"the child {child} to exit after its parent")
    finally:
        parent.kill()

"""The payments' job; the composition root binds it to `payments.sandbox.deliver_sandbox_events`."""

from __future__ import annotations

from clipshop.jobs.queue import Job

DELIVER_SANDBOX_EVENTS = Job[[]]("deliver_sandbox_events", retries=0, formerly="clipshop.shop.tasks")

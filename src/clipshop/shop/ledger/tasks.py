"""The ledger's job and how it is declared; the composition root binds it to `ledger.payouts.pay_out`."""

from __future__ import annotations

from clipshop.jobs.queue import Job

PAYOUTS = Job[[]]("payouts")

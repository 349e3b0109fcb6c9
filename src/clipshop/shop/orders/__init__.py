"""Orders after checkout, in the buyer's home region: payment outcomes, the lifecycle (fulfil, deliver,
complete, cancel, refunds, returns, reviews), their ledger postings, scheduled housekeeping, and the reads a
shop makes of its orders wherever its buyers live.

Every state change is guarded by the state it starts from, so a webhook delivered twice, a retried request
or two racing jobs change the order once."""

"""The durable job queue (huey) and the worker: the database row is the truth, the queue a wake-up call."""

"""Shared plumbing: databases per region, ids, clocks, pagination, ports to the outside world."""

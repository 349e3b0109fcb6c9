"""The outbox: mail written in the recipient's region in the same transaction as what causes it, and sent
by that region's job after the commit (see `sending`)."""

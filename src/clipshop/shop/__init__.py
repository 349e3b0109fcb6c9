"""Commerce: shops, catalog, cart, checkout, orders, ledger, payouts."""

"""Money after the sale: the double-entry ledger of each region, payouts of available balances, statements."""

"""Advertising: accounts, campaigns, review, the auction, budgets and pacing, measurement, billing and
reports."""

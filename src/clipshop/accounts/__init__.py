"""Accounts: sign-up with a home region, log-in sessions, profiles."""

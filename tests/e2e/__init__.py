"""Browser and page tests of the web UI."""

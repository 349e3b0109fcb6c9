"""Server-rendered pages and the small vanilla JS modules that drive the feed, the player and uploads."""

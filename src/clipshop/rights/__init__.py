"""Data rights: a person downloads everything Clipshop holds about them, or has their account erased. Each
domain says what it holds and erases its own part; this package assembles them, so it sits above the
domains and below the composition root."""

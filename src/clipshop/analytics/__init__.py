"""Analytics for creators: how their videos do, where their views come from, who watches (in aggregates)."""

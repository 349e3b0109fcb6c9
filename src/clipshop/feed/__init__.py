"""The For You and Following feeds: events, candidate retrieval, recommendation models, ranking."""

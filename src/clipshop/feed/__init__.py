"""The For You and Following feeds: interaction events, candidate retrieval, recommendation models, ranking."""

"""Search over the directory's public copies: videos, products, creators and hashtags, typo-tolerant, ranked
by relevance and engagement, with suggestions as one types. The index is the database's own (see
`migrations/directory/versions/dir0006_search.py`); `visibility` is the one place that says what may be
found."""

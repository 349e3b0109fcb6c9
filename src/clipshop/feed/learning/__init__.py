"""How the feed learns, kept apart from how it serves: the model families and their catalogue
(`catalogue`), the production retrain (`training`), the ranker heads learned from the served log
(`heads`) and the offline evaluation (`evaluation`).

Serving code (`feed.recommend`, `feed.sources`, `feed.store`...) never imports this package; it reads
what the retrain saved through `feed.store`. The server imports `training` only for its scheduled jobs, and
that module loads the model families (and sklearn, implicit, usearch) only inside the fit.
"""

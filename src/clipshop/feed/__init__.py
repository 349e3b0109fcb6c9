"""The feeds: For You, Following, a creator's, a hashtag's and a shop's videos.

Serving, on every request: `api` (routes) asks `recommend` (For You, signed in) or `timelines` (the feeds read
straight from the directory) for a `pages.FeedPage`; For You gathers candidates (`sources`), folds the
viewer's latest events into `interests`, reads candidates' directory `facts`, scores them (`ranking`) with
the region's trained model (`store`), picks a page (`blending`) and logs it (`served`).
Learning, in jobs and the CLI: `learning/` retrains the model and evaluates the model families offline. It
imports serving modules; of the rest of the feed, only `upkeep` (the work of the jobs `tasks` declares)
imports it.
"""

"""Behaviour history: what each viewer did (played, liked, followed, opened a product, bought), one
append-only table in the viewer's home region.

The domains where things happen write an event in the transaction of the action it records; the player
sends a batch per flush; the recommender reads them (a viewer's latest events, a training window).
"""

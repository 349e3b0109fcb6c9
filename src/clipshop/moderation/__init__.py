"""Moderation: reports of content, the cases they open in the content's region, the review queue, decisions
(take-downs, suspensions) and appeals."""

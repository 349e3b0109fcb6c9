"""The inbox: notifications to a person (likes, comments and replies, new followers, order updates,
commission, moderation outcomes), grouped by kind and target, kept in the recipient's home region."""

"""The inbox digest: a daily mail summing up what is new and unread in the inbox of each person who asked
for it, written in their region and sent through the outbox."""

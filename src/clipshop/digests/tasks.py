"""The digest's jobs; the composition root binds each to its work in `digests.sending`."""

from __future__ import annotations

from clipshop.jobs.queue import Job

# Once a day: one SEND per region, each carrying its region and the day (the period its mails are for), so
# a retry, even after midnight, writes the mails of the same day.
SCHEDULE = Job[[]]("schedule_inbox_digests")
SEND = Job[[str, str]]("send_inbox_digests", retries=3, retry_delay_s=60)

"""API shapes of the mail one asks for."""

from __future__ import annotations

from pydantic import BaseModel, Field


class MailSettingsRead(BaseModel):
    inbox_digest: bool = Field(
        description="a daily mail summing up what is new and unread in your inbox (off unless turned on)"
    )


class MailSettingsUpdate(BaseModel):
    inbox_digest: bool | None = None

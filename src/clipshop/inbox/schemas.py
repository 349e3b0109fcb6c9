"""API shapes of the inbox."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class PersonRead(BaseModel):
    """Someone behind a line, as their public profile shows them now."""

    id: str
    handle: str
    display_name: str
    avatar_url: str | None


class NotificationRead(BaseModel):
    id: str
    kind: str = Field(examples=["like"])
    target_id: str
    text: str = Field(examples=["Maya and 12 others liked your video"])
    link: str | None = Field(description="where the line leads in the web app", examples=["/v/us_0676…"])
    people: list[PersonRead] = Field(description="the newest people behind a grouped line, at most two")
    others: int = Field(description="how many more people are behind the line")
    count: int = Field(description="how many people in all are behind a grouped line (0 for other kinds)")
    detail: dict[str, Any]
    created_at: datetime
    latest_at: datetime
    read: bool


class InboxPageRead(BaseModel):
    items: list[NotificationRead]
    next_cursor: str | None
    unread: int


class UnreadRead(BaseModel):
    unread: int


class MarkReadCreate(BaseModel):
    up_to: str | None = Field(
        default=None,
        max_length=40,
        description="mark this line and every line below it read; leave out to mark everything read",
    )


class MarkedRead(BaseModel):
    marked: int
    unread: int

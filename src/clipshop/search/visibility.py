"""What search may show: the one place to say it. The directory holds only published, public copies, so
today everything in it may be found; content taken down, held for review, or blocked for the viewer is to be
excluded here, and every search and suggestion query applies these predicates."""

from __future__ import annotations

from sqlalchemy import ColumnElement, true

from clipshop.accounts.models import PublicProfile
from clipshop.shop.public import PublicProduct
from clipshop.videos.models import PublicVideo


def searchable_videos(video: type[PublicVideo] = PublicVideo) -> ColumnElement[bool]:
    """Videos search may return (taken-down, held and blocked content will be excluded here)."""
    return true()


def searchable_products(product: type[PublicProduct] = PublicProduct) -> ColumnElement[bool]:
    """Products search may return."""
    return true()


def searchable_creators(profile: type[PublicProfile] = PublicProfile) -> ColumnElement[bool]:
    """Creators search may return."""
    return true()


def searchable_hashtag(tag: str) -> bool:
    """Hashtags search may return (a blocked tag will be refused here)."""
    return True

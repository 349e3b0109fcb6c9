"""How a creator's videos do: views, watch time, watch share, completion, followers gained, traffic sources,
top videos and audience by region, per day over a window.

Plays, follows and ad events are personal and stay in the viewer's home region. The creator's own region is
read directly; every other region is opened through the residency gateway for aggregate analytics and
answers totals only. A region other than the creator's where fewer than `min_group` distinct people are
behind those totals (who played, followed, or saw or clicked an ad of the creator's videos) is suppressed:
it shows as such in the audience and is left out of every other figure (`excludes_suppressed`).

What the figures mean:
- views: plays (the player sends one when a video starts playing on a page);
- a watch: one viewer's playing of one video on one day; its watch time is the most seconds the player
  reported that day (the player counts seconds watched since the page opened), its share that time over
  the video's length, at most 1; completion rate: the share of watches that reached the end;
- traffic sources: where the player was when the video played (`events.Source`; "other" when the player
  did not say); ad impressions and clicks: those of ads promoting the video (`ad_events`);
- followers gained: follows made in the window that still stand.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import case, func, select, union
from sqlalchemy.orm import Session

from clipshop.ads.models import AdEvent, AdEventKind, PublicAd
from clipshop.events.models import Event, EventKind, Source
from clipshop.kit.actors import Actor, Role
from clipshop.kit.db import UnitOfWork, utc_day
from clipshop.residency import gateway
from clipshop.social.models import Follow
from clipshop.videos import service as videos
from clipshop.videos.models import Video

WATCHING = (EventKind.PLAY.value, EventKind.PROGRESS.value, EventKind.COMPLETE.value)
OTHER = "other"  # plays whose player did not say where it was
SOURCES = (*(str(s) for s in Source), OTHER)
TOP_VIDEOS = 10


@dataclass
class Watching:
    """Sums over watches (see the module docstring)."""

    views: int = 0
    watch_s: float = 0.0
    watches: int = 0
    completed: int = 0
    share_sum: float = 0.0

    def add(self, other: Watching) -> None:
        self.views += other.views
        self.watch_s += other.watch_s
        self.watches += other.watches
        self.completed += other.completed
        self.share_sum += other.share_sum


@dataclass
class RegionAnswer:
    """What one region answers: totals only."""

    region: str
    watching: dict[tuple[date, str], Watching] = field(default_factory=dict)  # (day, video id)
    sources: dict[tuple[str, str], int] = field(default_factory=dict)  # (video id, source) -> views
    follows: dict[date, int] = field(default_factory=dict)
    ads: dict[tuple[str, str], int] = field(default_factory=dict)  # (video id, kind) -> count
    viewers: int = 0
    views: int = 0
    people: int = 0
    suppressed: bool = False


@dataclass(frozen=True)
class DayFigures:
    day: date
    views: int
    watch_time_s: float
    avg_watch_share: float | None
    completion_rate: float | None
    followers_gained: int | None  # None in a single video's analytics


@dataclass(frozen=True)
class Totals:
    views: int
    watch_time_s: float
    avg_watch_share: float | None
    completion_rate: float | None
    followers_gained: int | None
    ad_impressions: int
    ad_clicks: int
    excludes_suppressed: bool


@dataclass(frozen=True)
class VideoFigures:
    video_id: str
    caption: str
    views: int
    watch_time_s: float
    avg_watch_share: float | None
    completion_rate: float | None
    ad_impressions: int
    ad_clicks: int


@dataclass(frozen=True)
class SourceFigures:
    source: str
    views: int
    share: float | None  # of all views


@dataclass(frozen=True)
class AudienceRegion:
    region: str
    viewers: int | None
    views: int | None
    suppressed: bool


@dataclass(frozen=True)
class Analytics:
    days: list[DayFigures]  # one per calendar day (UTC), oldest first
    totals: Totals
    sources: list[SourceFigures]
    videos: list[VideoFigures]  # the top videos by views (a single video's analytics: that one)
    regions: list[AudienceRegion]


def creator_analytics(
    uow: UnitOfWork, *, actor: Actor, days: int, now: datetime, min_group: int
) -> Analytics:
    """The actor's videos over the last `days` days (UTC), with followers gained."""
    own = list(uow.region(actor.region).scalars(select(Video).where(Video.owner_id == actor.id)))
    return _analytics(uow, actor=actor, own=own, days=days, now=now, min_group=min_group, follows=True)


def video_analytics(
    uow: UnitOfWork, *, actor: Actor, video_id: str, days: int, now: datetime, min_group: int
) -> Analytics:
    """One of the actor's videos over the last `days` days; NotFound when it is not theirs."""
    video = videos.get_own_video(uow, actor=actor, video_id=video_id)
    return _analytics(uow, actor=actor, own=[video], days=days, now=now, min_group=min_group, follows=False)


def _analytics(
    uow: UnitOfWork,
    *,
    actor: Actor,
    own: Sequence[Video],
    days: int,
    now: datetime,
    min_group: int,
    follows: bool,
) -> Analytics:
    today = now.astimezone(UTC).date()
    calendar = [today - timedelta(days=days - 1 - n) for n in range(days)]
    since = datetime.combine(calendar[0], time(), UTC)
    until = since + timedelta(days=days)
    durations = {v.id: max(v.duration_s, 0.1) for v in own}
    promoted = {
        ad_id: (campaign_id, video_id)
        for ad_id, campaign_id, video_id in uow.directory.execute(
            select(PublicAd.ad_id, PublicAd.campaign_id, PublicAd.video_id).where(
                PublicAd.video_id.in_(list(durations))
            )
        )
    }
    answers = []
    for region in uow.databases.regions:
        if region == actor.region:
            db = uow.region(region)
        else:
            db = gateway.access(
                uow,
                region,
                data_class="behaviour",
                purpose="aggregate_analytics",
                reason=f"analytics of creator {actor.id}",
                role=Role.CREATOR,
            ).db
        answer = count_region(
            db,
            region=region,
            creator_id=actor.id if follows else None,
            durations=durations,
            promoted=promoted,
            since=since,
            until=until,
        )
        answer.suppressed = region != actor.region and answer.people < min_group
        answers.append(answer)
    return assemble(answers, own=own, calendar=calendar, follows=follows)


def count_region(
    db: Session,
    *,
    region: str,
    creator_id: str | None,
    durations: dict[str, float],
    promoted: dict[str, tuple[str, str]],
    since: datetime,
    until: datetime,
) -> RegionAnswer:
    """Count, inside one region's database, what its viewers did with these videos between `since` and
    `until` (and, with `creator_id`, the follows of that creator made then). Only totals leave here."""
    found = RegionAnswer(region)
    video_ids = list(durations)
    if not video_ids:
        return found
    in_window = (Event.video_id.in_(video_ids), Event.created_at >= since, Event.created_at < until)
    day = utc_day(db, Event.created_at)
    watches = (
        select(
            day.label("day"),
            Event.video_id,
            func.sum(case((Event.kind == EventKind.PLAY.value, 1), else_=0)).label("views"),
            func.max(Event.value).label("watched"),
            func.max(case((Event.kind == EventKind.COMPLETE.value, 1), else_=0)).label("completed"),
        )
        .where(*in_window, Event.kind.in_(WATCHING))
        .group_by(day, Event.video_id, Event.user_id)
        .subquery()
    )
    length = case(durations, value=watches.c.video_id, else_=1.0)
    capped = case((watches.c.watched < length, watches.c.watched), else_=length)
    per_day = select(
        watches.c.day,
        watches.c.video_id,
        func.sum(watches.c.views),
        func.sum(watches.c.watched),
        func.count(),
        func.sum(watches.c.completed),
        func.sum(capped / length),
    ).group_by(watches.c.day, watches.c.video_id)
    for text, video_id, views, watched, count, completed, shares in db.execute(per_day):
        found.watching[(date.fromisoformat(text), video_id)] = Watching(
            int(views), float(watched or 0), int(count), int(completed), float(shares or 0)
        )
    plays = (*in_window, Event.kind == EventKind.PLAY.value)
    by_source = select(Event.video_id, Event.source, func.count()).where(*plays)
    for video_id, source, views in db.execute(by_source.group_by(Event.video_id, Event.source)):
        key = (str(video_id), source if source in SOURCES else OTHER)
        found.sources[key] = found.sources.get(key, 0) + int(views)
    viewers, views = db.execute(
        select(func.count(func.distinct(Event.user_id)), func.count()).where(*plays)
    ).one()
    found.viewers, found.views = int(viewers), int(views)
    people = [select(Event.user_id.label("person")).where(*in_window, Event.kind.in_(WATCHING))]
    if creator_id is not None:
        gained = (Follow.followee_id == creator_id, Follow.created_at >= since, Follow.created_at < until)
        follow_day = utc_day(db, Follow.created_at)
        for text, count in db.execute(select(follow_day, func.count()).where(*gained).group_by(follow_day)):
            found.follows[date.fromisoformat(text)] = int(count)
        people.append(select(Follow.follower_id).where(*gained))
    if promoted:
        shown = (
            AdEvent.campaign_id.in_(sorted({campaign for campaign, _ in promoted.values()})),
            AdEvent.ad_id.in_(list(promoted)),
            AdEvent.kind.in_((AdEventKind.IMPRESSION.value, AdEventKind.CLICK.value)),
            AdEvent.invalid == "",
            AdEvent.created_at >= since,
            AdEvent.created_at < until,
        )
        by_ad = select(AdEvent.ad_id, AdEvent.kind, func.count()).where(*shown)
        for ad_id, kind, count in db.execute(by_ad.group_by(AdEvent.ad_id, AdEvent.kind)):
            key = (promoted[ad_id][1], kind)
            found.ads[key] = found.ads.get(key, 0) + int(count)
        people.append(select(AdEvent.user_id).where(*shown))
    everyone = union(*people).subquery()
    found.people = int(db.execute(select(func.count()).select_from(everyone)).scalar_one())
    return found


def _share(part: float, whole: float) -> float | None:
    return part / whole if whole else None


def assemble(
    answers: Sequence[RegionAnswer], *, own: Sequence[Video], calendar: list[date], follows: bool
) -> Analytics:
    """The analytics from each region's answer: every figure over the regions not suppressed."""
    by_day = {day: Watching() for day in calendar}
    by_video: dict[str, Watching] = defaultdict(Watching)
    gained = dict.fromkeys(calendar, 0)
    sources: dict[str, int] = dict.fromkeys(SOURCES, 0)
    ads: dict[tuple[str, str], int] = defaultdict(int)
    regions = []
    for answer in answers:
        if answer.suppressed:
            regions.append(AudienceRegion(answer.region, None, None, suppressed=True))
            continue
        regions.append(AudienceRegion(answer.region, answer.viewers, answer.views, suppressed=False))
        for (day, video_id), watching in answer.watching.items():
            if day in by_day:
                by_day[day].add(watching)
            by_video[video_id].add(watching)
        for (_, source), views in answer.sources.items():
            sources[source] += views
        for day, count in answer.follows.items():
            if day in gained:
                gained[day] += count
        for key, count in answer.ads.items():
            ads[key] += count
    total = Watching()
    for watching in by_day.values():
        total.add(watching)
    impression, click = AdEventKind.IMPRESSION.value, AdEventKind.CLICK.value
    captions = {v.id: v.caption for v in own}
    active = set(by_video) | {video_id for video_id, _ in ads}
    top = sorted(
        (
            VideoFigures(
                video_id=video_id,
                caption=captions.get(video_id, ""),
                views=by_video[video_id].views,
                watch_time_s=by_video[video_id].watch_s,
                avg_watch_share=_share(by_video[video_id].share_sum, by_video[video_id].watches),
                completion_rate=_share(by_video[video_id].completed, by_video[video_id].watches),
                ad_impressions=ads[(video_id, impression)],
                ad_clicks=ads[(video_id, click)],
            )
            for video_id in active
        ),
        key=lambda v: (-v.views, -v.watch_time_s, v.video_id),
    )[:TOP_VIDEOS]
    return Analytics(
        days=[
            DayFigures(
                day=day,
                views=by_day[day].views,
                watch_time_s=by_day[day].watch_s,
                avg_watch_share=_share(by_day[day].share_sum, by_day[day].watches),
                completion_rate=_share(by_day[day].completed, by_day[day].watches),
                followers_gained=gained[day] if follows else None,
            )
            for day in calendar
        ],
        totals=Totals(
            views=total.views,
            watch_time_s=total.watch_s,
            avg_watch_share=_share(total.share_sum, total.watches),
            completion_rate=_share(total.completed, total.watches),
            followers_gained=sum(gained.values()) if follows else None,
            ad_impressions=sum(n for (_, kind), n in ads.items() if kind == impression),
            ad_clicks=sum(n for (_, kind), n in ads.items() if kind == click),
            excludes_suppressed=any(a.suppressed for a in answers),
        ),
        sources=[SourceFigures(s, sources[s], _share(sources[s], total.views)) for s in SOURCES],
        videos=top,
        regions=regions,
    )

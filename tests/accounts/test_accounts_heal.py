"""The accounts' copies in the directory (index entries, public profiles), healed from the home region."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from clipshop.accounts.models import AccountIndex, PublicProfile, User
from clipshop.accounts.service import email_digest, heal_projections
from clipshop.kit.watermarks import Window
from clipshop.platform import Platform
from doubles import FrozenClock
from support import PASSWORD, Member


def heal(platform: Platform, region: str, window: Window) -> dict[str, int]:
    with platform.uow(home=region).transaction() as uow:
        return heal_projections(
            uow,
            region=region,
            window=window,
            secret=platform.settings.secret_key,
            store=platform.media_store(region),
        )


def everything(platform: Platform) -> Window:
    return Window(since=None, before=platform.clock.now() + timedelta(seconds=1))


def profile_of(platform: Platform, user_id: str) -> dict[str, object]:
    with platform.uow().transaction() as uow:
        profile = uow.directory.get_one(PublicProfile, user_id)
        return {c.name: getattr(profile, c.name) for c in PublicProfile.__table__.columns}


def test_lost_index_entry_and_profile_are_rebuilt_as_sign_up_made_them(
    client: TestClient, platform: Platform, bob: Member
) -> None:
    client.patch("/api/v1/me", headers=bob.auth, json={"display_name": "Bob B.", "bio": "hi"})
    made = profile_of(platform, bob.id)
    with platform.uow().transaction() as uow:
        uow.directory.delete(uow.directory.get_one(PublicProfile, bob.id))
        uow.directory.delete(uow.directory.scalars(select(AccountIndex)).one())

    assert heal(platform, "eu", everything(platform)) == {"account index": 1, "public profiles": 1}

    assert profile_of(platform, bob.id) == made
    with platform.uow().transaction() as uow:
        entry = uow.directory.scalars(select(AccountIndex)).one()
        digest = email_digest("bob@example.com", secret=platform.settings.secret_key)
        assert (entry.email_digest, entry.user_id, entry.region) == (digest, bob.id, "eu")
    login = client.post("/api/v1/auth/login", json={"email": bob.email, "password": PASSWORD})
    assert login.status_code == 200
    assert heal(platform, "eu", everything(platform)) == {}
    assert heal(platform, "us", everything(platform)) == {}


def test_a_profile_edit_whose_copy_was_lost_is_found_by_its_time(
    client: TestClient, platform: Platform, clock: FrozenClock, alice: Member
) -> None:
    clock.advance(minutes=30)
    client.patch("/api/v1/me", headers=alice.auth, json={"bio": "makes things"})
    with platform.uow(home="us").transaction() as uow:
        assert uow.region("us").get_one(User, alice.id).updated_at == clock.now()
        uow.directory.get_one(PublicProfile, alice.id).bio = ""  # as if its directory commit never came

    before_the_edit = Window(since=clock.now() - timedelta(minutes=20), before=clock.now())
    assert heal(platform, "us", before_the_edit) == {}
    since_the_edit = Window(since=clock.now(), before=clock.now() + timedelta(seconds=1))
    assert heal(platform, "us", since_the_edit) == {"public profiles": 1}
    assert client.get("/api/v1/users/alice").json()["bio"] == "makes things"


def test_an_account_whose_email_another_account_holds_is_skipped_not_overwritten(
    platform: Platform, alice: Member, bob: Member
) -> None:
    # What a half sign-up in one region followed by a sign-up in another leaves: two accounts, one email.
    with platform.uow(home="eu").transaction() as uow:
        uow.region("eu").get_one(User, bob.id).email = alice.email
        uow.directory.delete(uow.directory.get_one(PublicProfile, bob.id))

    assert heal(platform, "eu", everything(platform)) == {"skipped: email held by another account": 1}
    with platform.uow().transaction() as uow:
        digest = email_digest(alice.email, secret=platform.settings.secret_key)
        assert uow.directory.get_one(AccountIndex, digest).user_id == alice.id
        assert uow.directory.get(PublicProfile, bob.id) is None


def test_a_heal_under_another_secret_key_reports_and_changes_nothing(platform: Platform, bob: Member) -> None:
    with platform.uow(home="eu").transaction() as uow:
        result = heal_projections(
            uow,
            region="eu",
            window=everything(platform),
            secret="not-the-key-the-entries-were-made-with",
            store=platform.media_store("eu"),
        )
        entries = [(e.user_id, e.region) for e in uow.directory.scalars(select(AccountIndex))]
    assert result == {"skipped: indexed under another secret key": 1}
    assert entries == [(bob.id, "eu")]

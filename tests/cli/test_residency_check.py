"""`clipshop residency check`: the residency scan as a command, its exit status a gate for deployments."""

from __future__ import annotations

import json
import pickle

import pytest
from typer.testing import CliRunner

from clipshop.cli import app
from clipshop.kit.everywhere import everywhere
from clipshop.kit.ids import new_id
from clipshop.platform import Platform
from clipshop.social.models import PublicComment
from support import CARD_OK, Member, copy_account, settings_environ


def run_check(platform: Platform, monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[int, str]:
    for name, value in settings_environ(platform.settings).items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(app, ["residency", "check", *args])
    return result.exit_code, result.output


def test_a_clean_deployment_passes(
    platform: Platform, alice: Member, bob: Member, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, output = run_check(platform, monkeypatch, "--json")
    assert code == 0
    assert json.loads(output) == {"regions": ["us", "eu", "au"], "violations": []}
    code, output = run_check(platform, monkeypatch)
    assert code == 0 and "No personal data outside its home region" in output


def test_a_row_out_of_place_fails_the_check_and_is_named(
    platform: Platform, bob: Member, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy_account(platform, bob, into="us")  # exactly what must never happen

    code, output = run_check(platform, monkeypatch, "--json")

    assert code == 1
    assert json.loads(output)["violations"] == [
        {"store": "region us", "table": "users", "row": bob.id, "owner_region": "eu"}
    ]


def test_a_comment_copy_whose_comment_is_gone_is_found_in_the_directory(
    platform: Platform, alice: Member, bob: Member, monkeypatch: pytest.MonkeyPatch
) -> None:
    stranded = new_id("eu")  # a copy of a comment that its home region no longer holds
    with everywhere(platform.databases).transaction() as uow:
        uow.directory.add(
            PublicComment(
                id=stranded,
                video_id=new_id("us"),
                author_id=bob.id,
                body="a comment deleted at home",
                created_at=platform.clock.now(),
            )
        )

    code, output = run_check(platform, monkeypatch, "--json")

    assert code == 1
    assert json.loads(output)["violations"] == [
        {"store": "directory", "table": "public_comments", "row": stranded, "owner_region": "eu"}
    ]


def test_models_holding_another_regions_user_are_found(
    platform: Platform, alice: Member, bob: Member, monkeypatch: pytest.MonkeyPatch
) -> None:
    us = platform.media_store("us")
    # A region's model may name any region's videos (public), never another region's people.
    us.put_bytes("models/v1/model.pkl", pickle.dumps({"videos": [new_id("eu")], "seen": [alice.id]}))
    code, output = run_check(platform, monkeypatch, "--json")
    assert (code, json.loads(output)["violations"]) == (0, [])

    us.put_bytes("models/v1/extras.npz", pickle.dumps({"users": [bob.id]}))
    # Models where earlier versions kept them, outside every region's store (`clipshop migrate` moves them).
    (platform.settings.models_folder() / "eu" / "v0").mkdir(parents=True)

    code, output = run_check(platform, monkeypatch, "--json")

    assert code == 1
    assert json.loads(output)["violations"] == [
        {
            "store": "models",
            "table": "eu",
            "row": str(platform.settings.models_folder() / "eu"),
            "owner_region": "eu",
        },
        {"store": "models us", "table": "models/v1/extras.npz", "row": bob.id, "owner_region": "eu"},
    ]


def test_a_persons_details_sent_to_the_payment_processor_are_found(
    platform: Platform, alice: Member, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids_only = platform.payments.create_intent(
        idempotency_key="k1",
        amount=500,
        currency="USD",
        payment_method=CARD_OK,
        metadata={"order_id": new_id("us")},
    )
    code, _ = run_check(platform, monkeypatch, "--json")
    assert code == 0

    leaky = platform.payments.create_intent(
        idempotency_key="k2",
        amount=500,
        currency="USD",
        payment_method=CARD_OK,
        metadata={"buyer": alice.email},
    )

    code, output = run_check(platform, monkeypatch, "--json")

    assert code == 1
    found = json.loads(output)["violations"]
    assert {"store": "payment processor", "table": "intents", "row": leaky.ref, "owner_region": "-"} in found
    assert all(v["row"] != ids_only.ref for v in found)

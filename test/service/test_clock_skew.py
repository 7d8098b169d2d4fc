"""Events dated ahead of the clock: refused beyond the bound, and what came before repaired."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask

from main.resources.sqlite.store import SqliteGraphStore
from main.schema.loading import load_event
from main.service.changes import version_text
from main.service.clock_skew import FutureDated, SkewBound
from main.service.errors import InvalidEvent
from main.service.model import Outcome
from main.service.sync import SyncService
from test.helpers import company_event

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
FAR = "9999-12-31T00:00:00Z"


def at(seconds: float) -> str:
    return version_text(NOW + timedelta(seconds=seconds))


def apply(sync: SyncService, *args: str, **kwargs: object) -> Outcome:
    return sync.apply(load_event(company_event(*args, **kwargs)))


def test_an_event_dated_beyond_the_bound_is_refused_naming_occurred_at() -> None:
    bound = SkewBound(300, clock=lambda: NOW)
    for inside in (None, at(-86_400), at(0), at(300)):
        assert bound.check(load_event(company_event(occurred_at=inside)))
    for beyond in (at(300.001), at(3600), FAR):
        with pytest.raises(InvalidEvent) as refused:
            bound.check(load_event(company_event(occurred_at=beyond)))
        assert list(refused.value.errors) == ["occurredAt"]
        assert "300 s ahead" in refused.value.reason


def test_a_bound_of_zero_refuses_any_time_ahead_of_the_clock() -> None:
    bound = SkewBound(0, clock=lambda: NOW)
    assert bound.check(load_event(company_event(occurred_at=at(0))))
    with pytest.raises(InvalidEvent):
        bound.check(load_event(company_event(occurred_at=at(1))))


def test_a_delete_older_than_some_fields_is_partly_deleted_and_the_company_stays(sync, store) -> None:
    apply(sync, company_id="kept", name="Kept Ltd", occurred_at=at(-60), location="Berlin")
    apply(sync, "company-updated", "kept", name="Renamed Ltd", occurred_at=at(0))
    outcome = apply(sync, event_type="company-deleted", company_id="kept", occurred_at=at(-30))
    assert outcome is Outcome.PARTLY_DELETED
    company = store.get_company("KEPT")
    assert company["name"] == "Renamed Ltd" and "location" not in company
    assert apply(sync, event_type="company-deleted", company_id="kept", occurred_at=at(1)) is Outcome.DELETED
    assert store.get_company("KEPT") is None


def frozen(sync: SyncService, store: SqliteGraphStore, count: int) -> list[str]:
    """Companies written before the bound held: each with one field, or a tombstone, in the far future."""
    keys = []
    for number in range(count):
        key = f"FROZEN-{number}"
        apply(sync, company_id=key, name="Early", occurred_at=at(-60))
        if number % 2:
            apply(sync, "company-updated", key, name="Typo", occurred_at=FAR)
        else:
            apply(sync, event_type="company-deleted", company_id=key, occurred_at=FAR)
        keys.append(key)
    apply(sync, company_id="THAWED", name="Fine", occurred_at=at(0))
    return keys


def test_a_frozen_company_is_listed_and_after_repair_updates_and_deletes_apply(sync, store, changed) -> None:
    keys = frozen(sync, store, 6)
    for key in keys:
        assert apply(sync, "company-updated", key, name="Later", occurred_at=at(10)) is Outcome.STALE
    repair = FutureDated(store, SkewBound(300, clock=lambda: NOW + timedelta(seconds=20)), changed.extend)
    assert repair.find() == sorted((key, FAR.replace("Z", ".000000Z")) for key in keys)
    changed.clear()
    assert repair.repair() == sorted(keys)
    assert sorted(changed) == sorted(keys)
    assert repair.find() == []
    random.shuffle(keys)
    for key in keys:
        assert apply(sync, "company-updated", key, name="After", occurred_at=at(30)) is Outcome.APPLIED
        assert store.get_company(key)["name"] == "After"
        assert (
            apply(sync, event_type="company-deleted", company_id=key, occurred_at=at(40)) is Outcome.DELETED
        )
        assert store.get_company(key) is None
    assert store.get_company("THAWED")["name"] == "Fine"


def test_the_command_lists_future_dated_companies_and_repairs_them_with_the_flag(app: Flask) -> None:
    sync = app.extensions["company_graph"].sync
    store = app.extensions["company_graph"].store
    sync.apply(load_event(company_event(company_id="typo", name="Typo", occurred_at=FAR)))
    runner = app.test_cli_runner()
    listed = runner.invoke(args=["future-dated"])
    assert listed.exit_code == 0, listed.output
    assert "TYPO\t9999-12-31T00:00:00.000000Z" in listed.output
    assert "1 company dated beyond the bound" in listed.output
    assert store.get_company("TYPO")["updatedAt"].startswith("9999")
    repaired = runner.invoke(args=["future-dated", "--repair"])
    assert "repaired 1" in repaired.output
    assert store.get_company("TYPO")["updatedAt"] < version_text(datetime.now(UTC) + timedelta(seconds=1))
    assert "0 companies dated beyond the bound" in runner.invoke(args=["future-dated"]).output
    now = version_text(datetime.now(UTC))
    update = company_event("company-updated", "typo", name="Fixed", occurred_at=now)
    assert sync.apply(load_event(update)) is Outcome.APPLIED

"""Limits that fit real data: a feed that overfills a field keeps its company (the value cut,
the cut logged); only values far past anything real are refused, as abuse."""

from __future__ import annotations

import json
import logging

import pytest

from main.bootstrap import Container
from main.schema.events import DESCRIPTION, INDUSTRIES, INDUSTRY, LOCATION_TEXT, NAME
from main.schema.intake import accept
from main.schema.loading import load_event
from main.service.clock_skew import SkewBound
from main.service.keys import company_key
from main.service.ports import Delivery, Disposition
from test.helpers import company_event

# What a real feed wrote as one industry: its product lines, 149 characters
PRODUCT_LINES = (
    "Semiconductors; analog and mixed-signal integrated circuits; microcontrollers; sensors; "
    "power management; automotive electronics; industrial automation"
)


def test_a_list_of_product_lines_sent_as_one_industry_becomes_its_items() -> None:
    assert len(PRODUCT_LINES) > INDUSTRY.kept
    event = load_event(company_event(industry=PRODUCT_LINES))
    assert event.data["industry"][:3] == [
        "Semiconductors",
        "analog and mixed-signal integrated circuits",
        "microcontrollers",
    ]
    assert len(event.data["industry"]) == 7


def test_an_over_long_label_without_a_list_is_cut_at_a_word(caplog: pytest.LogCaptureFixture) -> None:
    label = "Design and manufacture of " + "very " * 40 + "precise instruments"
    with caplog.at_level(logging.WARNING, logger="main.schema"):
        event = load_event(company_event(industry=[label, "Optics"], event_id="e-cut"))
    first, second = event.data["industry"]
    assert len(first) <= INDUSTRY.kept and label.startswith(first) and first.endswith("very")
    assert second == "Optics"
    (record,) = caplog.records
    assert record.event_id == "e-cut" and record.cut_fields == ["industry"]
    assert record.company_id in record.getMessage()


def test_beyond_the_kept_count_the_first_industries_are_kept() -> None:
    labels = [f"Industry {n}" for n in range(INDUSTRIES.kept + 30)]
    event = load_event(company_event(industry=labels))
    assert event.data["industry"] == labels[: INDUSTRIES.kept]


def test_long_names_locations_and_descriptions_are_cut_not_refused() -> None:
    name = "The " + "Great " * 80 + "Company"
    location = "Osaka, Japan " + "34°41\u2032N 135°30\u2032E / 34.69; 135.50 " * 40
    event = load_event(company_event(name=name, location=location, description="d" * (DESCRIPTION.kept + 5)))
    assert len(event.data["name"]) <= NAME.kept and event.data["name"].startswith("The Great")
    assert len(event.data["location"]) <= LOCATION_TEXT.kept
    assert event.data["location"].startswith("Osaka, Japan")
    assert len(event.data["description"]) == DESCRIPTION.kept


def test_a_long_event_id_is_kept_as_its_digest_so_ids_stay_apart() -> None:
    first = load_event(company_event(event_id="e" * 500))
    again = load_event(company_event(event_id="e" * 500))
    other = load_event(company_event(event_id="e" * 499 + "f"))
    assert first.event_id == again.event_id != other.event_id
    assert first.event_id.startswith("sha256:") and len(first.event_id) <= 200


def test_no_length_or_count_refuses_a_company_only_the_body_size_does() -> None:
    """Abuse is stopped by the body's size (a 413 over HTTP, before anything is read), so an
    event however overfilled within it keeps its company."""
    accepted = accept(
        company_event(
            name="n" * 20_000,
            industry=["x" * 20_000] * 300,
            location="l" * 50_000,
            description="d" * 300_000,
            event_id="e" * 20_000,
        ),
        SkewBound(),
    )
    data = accepted.event.data
    assert len(data["name"]) == NAME.kept and len(data["location"]) == LOCATION_TEXT.kept
    assert data["industry"] == ["x" * INDUSTRY.kept] and len(data["description"]) == DESCRIPTION.kept


def test_the_worker_applies_an_overfilled_event_instead_of_dead_lettering_it(container: Container) -> None:
    body = company_event(industry=PRODUCT_LINES, location="Dallas, Texas, U.S.; Tokyo, Japan")
    verdict = container.dispatcher(Delivery("company-created", json.dumps(body).encode(), {}))
    assert verdict.disposition is Disposition.ACK
    company = container.store.get_company(company_key(body["data"]["id"]))
    assert company is not None and "Semiconductors" in json.dumps(company)

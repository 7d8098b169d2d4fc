"""Generate data/demo.ndjson: 320 companies with locations as messy as real feeds write them.

Deterministic (fixed seeds), so re-running it rewrites the same file:
    .venv/bin/python scripts/generate_demo.py
"""

from __future__ import annotations

import json
import random
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from faker import Faker

SEED = 20261123
COMPANIES = 320
OUT = Path(__file__).resolve().parents[1] / "data" / "demo.ndjson"

# (city, state or None, country as feeds spell it, alternative country spellings)
PLACES = [
    ("Santa Clara", "California", "U.S.", ["USA", "United States"]),
    ("San Francisco", "CA", "United States", ["U.S.", "US"]),
    ("Mountain View", "California", "USA", ["U.S."]),
    ("Seattle", "Washington", "U.S.", ["USA"]),
    ("Austin", "Texas", "United States", ["U.S."]),
    ("New York City", "New York", "U.S.", ["USA"]),
    ("Boston", "MA", "USA", ["U.S."]),
    ("St. Louis", "Missouri", "U.S.", ["USA"]),
    ("Chicago", "Illinois", "United States", ["U.S."]),
    ("Toronto", "Ontario", "Canada", []),
    ("Vancouver", "British Columbia", "Canada", []),
    ("Montreal", "Quebec", "Canada", []),
    ("London", None, "United Kingdom", ["UK", "England"]),
    ("Cambridge", "England", "UK", ["United Kingdom"]),
    ("Edinburgh", "Scotland", "United Kingdom", ["UK"]),
    ("Berlin", None, "Germany", ["Deutschland"]),
    ("Munich", "Bavaria", "Germany", []),
    ("Montabaur", None, "Germany", []),
    ("Walldorf", "Baden-Württemberg", "Germany", []),
    ("Paris", None, "France", []),
    ("Lyon", None, "France", []),
    ("Amsterdam", None, "Netherlands", ["The Netherlands", "Holland"]),
    ("Eindhoven", None, "Netherlands", []),
    ("Zürich", None, "Switzerland", []),
    ("Geneva", None, "Switzerland", []),
    ("Stockholm", None, "Sweden", []),
    ("Helsinki", None, "Finland", []),
    ("Madrid", None, "Spain", []),
    ("Barcelona", "Catalonia", "Spain", []),
    ("Milan", "Lombardy", "Italy", []),
    ("Tel Aviv", None, "Israel", []),
    ("Herzliya", None, "Israel", []),
    ("Haifa", None, "Israel", []),
    ("Tokyo", None, "Japan", []),
    ("Osaka", None, "Japan", []),
    ("Seoul", None, "South Korea", ["Korea, Republic of"]),
    ("Bangalore", "Karnataka", "India", []),
    ("Mumbai", "Maharashtra", "India", []),
    ("Shenzhen", "Guangdong", "China", []),
    ("Beijing", None, "China", ["PRC"]),
    ("Singapore", None, "Singapore", []),
    ("Sydney", "New South Wales", "Australia", []),
    ("Melbourne", "Victoria", "Australia", []),
    ("São Paulo", None, "Brazil", ["Brasil"]),
    ("Mexico City", None, "Mexico", []),
    ("Buenos Aires", None, "Argentina", []),
    ("Nairobi", None, "Kenya", []),
    ("Lagos", None, "Nigeria", []),
    ("Dublin", None, "Ireland", []),
    ("Warsaw", None, "Poland", []),
]
UNRESOLVABLE = ["Remote", "Worldwide", "N/A", "Earth", "Silicon Wadi"]
INDUSTRIES = [
    "Software",
    "Semiconductors",
    "Biotechnology",
    "Pharmaceuticals",
    "Banking",
    "Insurance",
    "Retail",
    "E-commerce",
    "Automotive",
    "Aerospace",
    "Telecommunications",
    "Energy",
    "Renewable Energy",
    "Logistics",
    "Media",
    "Video Games",
    "Cybersecurity",
    "Artificial Intelligence",
    "Healthcare",
    "Real Estate",
    "Food & Beverage",
    "Fashion",
    "Education",
    "Consulting",
    "Agriculture",
]


def messy_location(rng: random.Random, place: tuple) -> object:
    city, state, country, alternatives = place
    country = rng.choice([country, *alternatives]) if alternatives else country
    style = rng.randrange(8)
    if style == 0:
        return {"city": city, "state": state, "country": country}
    if style == 1:
        return ", ".join(p for p in (city, state, country) if p)
    if style == 2:
        return " , ".join(p for p in (city, state, country) if p)
    if style == 3:
        return f"{city} , {country}"
    if style == 4:
        return f"  {city},{state or ''} ,{country} ".replace(",,", ",")
    if style == 5:
        return f"{city}, {country} (headquarters)"
    if style == 6:
        other = rng.choice(PLACES)
        return f"{city}, {country} (operational) {other[0]} , {other[2]} (legal)"
    return country


def main() -> None:
    fake = Faker()
    Faker.seed(SEED)
    rng = random.Random(SEED)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    lines = []
    for number in range(COMPANIES):
        company_id = str(uuid.UUID(int=rng.getrandbits(128))).upper()
        place = PLACES[number % len(PLACES)] if number < 2 * len(PLACES) else rng.choice(PLACES)
        location = rng.choice(UNRESOLVABLE) if rng.random() < 0.03 else messy_location(rng, place)
        industries = rng.sample(INDUSTRIES, k=rng.choice((1, 1, 2, 3)))
        name = fake.unique.company()
        occurred = start + timedelta(minutes=number)
        data = {
            "id": company_id if rng.random() < 0.8 else company_id.lower(),
            "name": name,
            "industry": industries[0] if len(industries) == 1 and rng.random() < 0.5 else industries,
            "location": location,
            "website": f"https://{fake.domain_name()}",
            "description": fake.catch_phrase(),
            "founded": rng.randrange(1950, 2025),
            "employees": rng.randrange(5, 50_000),
        }
        if rng.random() < 0.2:
            data["ticker"] = name[:4].upper().replace(" ", "")
        lines.append(
            {
                "eventId": f"demo-{number:04d}-created",
                "eventType": "company-created",
                "occurredAt": occurred.isoformat().replace("+00:00", "Z"),
                "data": data,
            }
        )
    for number in range(0, COMPANIES, 16):
        created = lines[number]
        lines.append(
            {
                "eventId": f"demo-{number:04d}-updated",
                "eventType": "company-updated",
                "occurredAt": "2026-06-01T00:00:00Z",
                "data": {"id": created["data"]["id"], "employees": created["data"]["employees"] * 2},
            }
        )
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines), encoding="utf-8")
    print(f"wrote {len(lines)} events to {OUT}")


if __name__ == "__main__":
    main()

"""A deterministic synthetic history in the append format (docs/records.md), for the benchmarks.

    python benchmarks/generate.py --records 100000 --seed 1 --out /tmp/h100k.jsonl

The same seed and size give the same file, byte for byte. The shape is the same at every size:
measures (about a quarter of the records) with one to five follow-ups each, picked from a
bounded pool of live measures so a measure's follow-ups stay close to it in the log, plus a
few follow-ups on long-dormant measures, and about 3 % one-off actions. Items come from the
whole periodic table (rare earths and other critical minerals more often) and a list of
products; about a hundred countries (`pycountry`); worldwide `*` and specific destinations;
some import-side measures with origins. About a fifth of the follow-ups are back-dated: they
take effect before the latest date already recorded for their measure. Every record cites one
source, and the state rules hold: follow-ups take effect after their measure, nothing follows
a lifting or a retraction, a resumption follows a suspension, every `until` is after its start.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import orjson
import pycountry

from domain.vocabulary import ELEMENTS, GROUPS

#: Countries that issue most measures, always among the hundred used.
MAJORS = (
    "CN",
    "US",
    "JP",
    "KR",
    "DE",
    "FR",
    "GB",
    "IN",
    "RU",
    "TW",
    "NL",
    "AU",
    "CA",
    "BR",
    "ZA",
    "VN",
    "MY",
    "ID",
    "TR",
    "MX",
    "CL",
    "AR",
    "CD",
    "KZ",
    "MN",
    "SA",
    "AE",
    "IT",
)
COUNTRY_COUNT = 100
#: Elements that controls name most often (weight 8; every other element has weight 1).
CRITICAL = frozenset(
    (
        *GROUPS["REE"],
        "Ga",
        "Ge",
        "Sb",
        "W",
        "Co",
        "Li",
        "Ni",
        "Mn",
        "In",
        "Te",
        "Bi",
        "Mo",
        "Nb",
        "Ta",
        "Si",
        "Mg",
        "U",
        "C",
        "Cu",
        "Al",
    )
)
PRODUCTS = (
    "dichlorosilane",
    "graphite",
    "graphite-anode",
    "synthetic-diamond",
    "gallium-nitride-wafer",
    "germanium-wafer",
    "rare-earth-magnet",
    "ndfeb-magnet",
    "samarium-cobalt-magnet",
    "lithium-hydroxide",
    "lithium-carbonate",
    "cathode-precursor",
    "battery-cell",
    "polysilicon",
    "solar-wafer",
    "superhard-material",
    "tungsten-carbide",
    "antimony-trioxide",
    "high-purity-alumina",
    "silicon-carbide-substrate",
    "euv-photoresist",
    "lithography-tool",
    "dual-use-items",
    "drone-component",
    "night-vision-tube",
    "uranium-hexafluoride",
    "enriched-uranium",
    "cobalt-hydroxide",
    "nickel-matte",
    "manganese-sulphate",
    "steel-slab",
    "aluminium-ingot",
    "copper-cathode",
    "fertiliser",
    "potash",
    "urea",
    "rice",
    "wheat",
    "seafood",
    "semiconductor-equipment",
)
ACTION_KINDS = (
    "statement",
    "summit_agreement",
    "travel_advisory",
    "protest",
    "consultation",
    "sanctions_threat",
    "investigation_announced",
)
EXPORT_KINDS = (
    ("licence_requirement", 30),
    ("export_ban", 14),
    ("export_tax", 10),
    ("tightened_licence_review", 10),
    ("reporting_requirement", 8),
    ("general_licence", 6),
    ("de_facto_embargo", 3),
    ("technology_export_ban", 4),
)
IMPORT_KINDS = (
    ("tariff", 35),
    ("anti_dumping_duty", 25),
    ("anti_dumping_investigation", 20),
    ("import_ban", 20),
)
PUBLISHERS = (
    "Official Gazette",
    "Reuters",
    "Ministry press release",
    "Federal Register",
    "Nikkei Asia",
    "Financial Times",
    "Bloomberg",
    "Xinhua",
    "Kyodo",
    "Law firm alert",
)

FIRST_DAY = date(2000, 1, 1).toordinal()
LAST_DAY = date(2026, 6, 30).toordinal()
#: Live measures that new follow-ups pick from: it bounds how far a follow-up is from its
#: measure in the log, and keeps the shape the same at every size.
#: HS 2022 subheadings of minerals and metals, for the measures that carry codes: real ones,
#: since an append checks each code's heading and subheading against the nomenclature.
HS_CODES = (
    "280530", "280461", "280469", "281820", "282520", "282590", "283691", "284690", "285000",
    "260300", "260400", "260500", "261000", "261100", "261310", "261400", "261510", "261590",
    "261690", "261710", "261790", "710110", "711011", "720241", "720249", "720250", "720260",
    "720270", "720280", "720291", "720292", "720293", "720299", "750110", "760110", "800110",
    "810110", "810194", "810296", "810320", "810520", "810820", "810890", "811010", "811100",
    "811221", "811292", "811299", "811300", "850511", "381800",
)  # fmt: skip
POOL = 500
P_ACTION = 0.03
P_DORMANT = 0.03
P_BACKDATED = 0.56  # when the measure has earlier dates to go back to: about a fifth of all
FOLLOW_UPS = (1, 2, 3, 4, 5)
FOLLOW_UP_WEIGHTS = (30, 25, 20, 15, 10)


class MeasureState:
    """What the generator must remember of a measure to keep its follow-ups valid."""

    __slots__ = (
        "certainty",
        "closed",
        "direction",
        "end",
        "issuer",
        "kind",
        "last",
        "left",
        "slug",
        "start",
        "suspensions",
    )

    def __init__(
        self,
        slug: str,
        issuer: str,
        kind: str,
        direction: str,
        certainty: str,
        start: int,
        end: int | None,
        left: int,
    ) -> None:
        self.slug = slug
        self.issuer = issuer
        self.kind = kind
        self.direction = direction
        self.certainty = certainty
        self.start = start  # the later of announcement and effect: follow-ups come after
        self.last = start  # the latest valid date recorded for the measure
        self.end = end  # its sunset: follow-ups stay before it
        self.left = left  # follow-ups still planned
        self.suspensions: list[int] = []
        self.closed = False  # lifted or retracted: nothing may follow


class Generator:
    """Writes `records` records drawn from one seeded random stream."""

    def __init__(self, records: int, seed: int) -> None:
        self.records = records
        self.rng = random.Random(seed)
        rng = self.rng
        others = sorted(c.alpha_2 for c in pycountry.countries if c.alpha_2 not in MAJORS)
        self.countries = sorted((*MAJORS, *rng.sample(others, COUNTRY_COUNT - len(MAJORS))))
        self.issuers = list(MAJORS) + self.countries  # majors issue about twice as often
        items = [*ELEMENTS, *PRODUCTS]
        weights = [8 if item in CRITICAL else 1 for item in ELEMENTS] + [3] * len(PRODUCTS)
        self.items = items
        self.item_weights = _cumulative(weights)
        self.export_kinds = [kind for kind, _ in EXPORT_KINDS]
        self.export_weights = _cumulative([weight for _, weight in EXPORT_KINDS])
        self.import_kinds = [kind for kind, _ in IMPORT_KINDS]
        self.import_weights = _cumulative([weight for _, weight in IMPORT_KINDS])
        self.pool: list[MeasureState] = []
        self.dormant: list[MeasureState] = []
        self.actions: list[str] = []
        self.measures = 0
        self.number = 0
        self._iso: dict[int, str] = {}

    # -- helpers ---------------------------------------------------------------------------

    def iso(self, day: int) -> str:
        text = self._iso.get(day)
        if text is None:
            text = self._iso[day] = date.fromordinal(day).isoformat()
        return text

    def today(self) -> int:
        """The record date of the current record: the log runs from 2000 to mid-2026."""
        return FIRST_DAY + (LAST_DAY - FIRST_DAY) * self.number // max(self.records, 1)

    def source(self, published: int) -> list[dict[str, Any]]:
        publisher = self.rng.choice(PUBLISHERS)
        return [
            {
                "title": f"{publisher}, item {self.number}",
                "url": f"https://news.example.org/{self.number}",
                "published_on": self.iso(published),
            }
        ]

    def places(self, issuer: str, worldwide: float, most: int) -> list[str]:
        rng = self.rng
        if rng.random() < worldwide:
            return ["*"]
        count = rng.randint(1, most)
        chosen: list[str] = []
        while len(chosen) < count:
            country = rng.choice(self.countries)
            if country != issuer and country not in chosen:
                chosen.append(country)
        return chosen

    def item_list(self) -> list[str]:
        rng = self.rng
        if rng.random() < 0.02:
            return ["REE"]
        count = rng.choices((1, 2, 3, 4, 6), cum_weights=(45, 70, 85, 95, 100))[0]
        chosen: list[str] = []
        while len(chosen) < count:
            item = rng.choices(self.items, cum_weights=self.item_weights)[0]
            if item not in chosen:
                chosen.append(item)
        return chosen

    # -- records ---------------------------------------------------------------------------

    def __iter__(self) -> Iterator[dict[str, Any]]:
        rng = self.rng
        for number in range(1, self.records + 1):
            self.number = number
            draw = rng.random()
            if draw < P_ACTION:
                yield self.action()
            elif self.dormant and draw < P_ACTION + P_DORMANT:
                index = rng.randrange(len(self.dormant))
                state = self.dormant[index]
                state.left = 1
                yield self.follow_up(state, terminal=rng.random() < 0.3)
                if state.closed:
                    self.dormant[index] = self.dormant[-1]
                    self.dormant.pop()
            elif not self.pool or rng.random() < (0.5 if len(self.pool) < POOL else 0.2):
                yield self.imposed()
            else:
                index = rng.randrange(len(self.pool))
                state = self.pool[index]
                yield self.follow_up(state, terminal=state.left == 1 and rng.random() < 0.6)
                if state.closed or state.left <= 0:
                    self.pool[index] = self.pool[-1]
                    self.pool.pop()
                    if not state.closed:
                        self.dormant.append(state)

    def action(self) -> dict[str, Any]:
        rng = self.rng
        today = self.today()
        issuer = rng.choice(self.issuers)
        kind = rng.choice(ACTION_KINDS)
        slug = f"{issuer.lower()}-{kind.replace('_', '-')}-{self.number}"
        self.actions.append(slug)
        if len(self.actions) > 200:
            self.actions = self.actions[-100:]
        return {
            "type": "action_taken",
            "action": slug,
            "issuer": issuer,
            "kind": kind,
            "occurred_on": self.iso(today),
            "title": f"{kind.replace('_', ' ')} by {issuer}",
            "counterparts": self.places(issuer, 0.0, 2),
            "sources": self.source(today),
        }

    def imposed(self) -> dict[str, Any]:
        rng = self.rng
        self.measures += 1
        announced = self.today()
        issuer = rng.choice(self.issuers)
        direction = "import" if rng.random() < 0.15 else "export"
        if direction == "export":
            kind = rng.choices(self.export_kinds, cum_weights=self.export_weights)[0]
        else:
            kind = rng.choices(self.import_kinds, cum_weights=self.import_weights)[0]
        shift = rng.random()
        effective = announced + (
            0 if shift < 0.4 else rng.randint(1, 90) if shift < 0.95 else -rng.randint(1, 30)
        )
        year = date.fromordinal(announced).year
        slug = f"{issuer.lower()}-{kind.replace('_', '-')}-{year}-{self.measures}"
        items = self.item_list()
        record: dict[str, Any] = {
            "type": "measure_imposed",
            "measure": slug,
            "issuer": issuer,
            "kind": kind,
        }
        if direction == "import":
            record["direction"] = "import"
            record["items"] = items
            record["origins"] = self.places(issuer, 0.3, 3)
        else:
            record["items"] = items
            record["destinations"] = self.places(issuer, 0.4, 4)
        record["announced_on"] = self.iso(announced)
        record["effective_on"] = self.iso(effective)
        end = None
        if rng.random() < 0.08:
            end = effective + rng.randint(1825, 3650)
            record["until"] = self.iso(end)
        draw = rng.random()
        certainty = "in_force" if draw < 0.85 else "de_facto" if draw < 0.93 else "reported"
        if certainty != "in_force":
            record["certainty"] = certainty
        if kind in ("export_ban", "import_ban") and rng.random() < 0.35:
            record["end_users"] = "military"
        record["title"] = f"{kind.replace('_', ' ').capitalize()} on {', '.join(items[:3])}"
        if rng.random() < 0.8:
            record["document"] = f"{issuer} notice {self.measures} of {year}"
        if rng.random() < 0.2:
            # two draws, as when codes were any six digits: the rest of the stream is unchanged
            drawn = rng.randint(2500, 8599) * 100 + rng.randint(0, 99)
            record["hs_codes"] = [HS_CODES[drawn % len(HS_CODES)]]
        if self.actions and rng.random() < 0.05:
            record["responds_to"] = [rng.choice(self.actions)]
        record["sources"] = self.source(announced)
        left = rng.choices(FOLLOW_UPS, cum_weights=_FOLLOW_UP_CUMULATIVE)[0]
        self.pool.append(
            MeasureState(
                slug, issuer, kind, direction, certainty, max(announced, effective), end, left
            )
        )
        return record

    def follow_up(self, state: MeasureState, *, terminal: bool = False) -> dict[str, Any]:
        """The measure's next record; `terminal` asks for a lifting (or, rarely, a retraction)."""
        rng = self.rng
        state.left -= 1
        if terminal:
            state.left = 0
            state.closed = True
            if rng.random() < 0.05:
                return self.retracted(state)
            kind = "lifted"
        else:
            draw = rng.random()
            kind = (
                "amended"
                if draw < 0.42
                else "suspended"
                if draw < 0.72
                else ("resumed" if state.suspensions else "suspended")
                if draw < 0.94
                else "corrected"
            )
        if kind == "corrected":
            return self.corrected(state)
        earliest = state.start + 1
        if kind == "resumed":
            earliest = max(earliest, min(state.suspensions))
        if kind != "lifted" and earliest < state.last and rng.random() < P_BACKDATED:
            day = rng.randint(earliest, state.last - 1)
        else:
            day = state.last + rng.randint(7, 240)
            if state.end is not None and day >= state.end:
                state.left = 0
                return self.corrected(state)
            state.last = day
        record: dict[str, Any] = {
            "type": f"measure_{kind}",
            "measure": state.slug,
            "effective_on": self.iso(day),
        }
        if kind == "amended":
            record.update(self.changes(state, day))
        elif kind == "suspended":
            state.suspensions.append(day)
            if rng.random() < 0.7:
                until = day + rng.randint(30, 365)
                if state.end is None or until < state.end:
                    record["until"] = self.iso(until)
            if self.actions and rng.random() < 0.1:
                record["responds_to"] = [rng.choice(self.actions)]
        if rng.random() < 0.6:
            record["document"] = f"{state.issuer} notice {self.number}"
        record["sources"] = self.source(max(day, self.today()))
        return record

    def changes(self, state: MeasureState, day: int) -> dict[str, Any]:
        rng = self.rng
        if state.certainty == "reported" and rng.random() < 0.5:
            state.certainty = "in_force"
            return {"certainty": "in_force"}
        draw = rng.random()
        if draw < 0.45:
            return {"items": self.item_list()}
        if draw < 0.75:
            if state.direction == "import":
                return {"origins": self.places(state.issuer, 0.2, 3)}
            return {"destinations": self.places(state.issuer, 0.3, 4)}
        if draw < 0.9:
            kinds = self.import_kinds if state.direction == "import" else self.export_kinds
            return {"kind": rng.choice([kind for kind in kinds if kind != state.kind])}
        until = day + rng.randint(365, 1500)
        if state.end is not None and until >= state.end:
            return {"items": self.item_list()}
        state.end = until
        return {"until": self.iso(until)}

    def corrected(self, state: MeasureState) -> dict[str, Any]:
        rng = self.rng
        draw = rng.random()
        if draw < 0.4:
            fields: dict[str, Any] = {"title": f"Corrected title, record {self.number}"}
        elif draw < 0.7:
            fields = {"document": f"{state.issuer} notice {self.number} (corrected)"}
        else:
            fields = {"items": self.item_list()}
        return {
            "type": "measure_corrected",
            "measure": state.slug,
            "fields": fields,
            "reason": "the first report named the wrong terms",
            "sources": self.source(self.today()),
        }

    def retracted(self, state: MeasureState) -> dict[str, Any]:
        return {
            "type": "measure_retracted",
            "measure": state.slug,
            "reason": "recorded in error: the report was denied",
            "sources": self.source(self.today()),
        }


def _cumulative(weights: list[int] | tuple[int, ...]) -> list[int]:
    total = 0
    cumulative = []
    for weight in weights:
        total += weight
        cumulative.append(total)
    return cumulative


_FOLLOW_UP_CUMULATIVE = _cumulative(FOLLOW_UP_WEIGHTS)


def generate(records: int, seed: int, out: Path) -> dict[str, int]:
    """Writes the history; returns how many records of each type it wrote."""
    counts: dict[str, int] = {}
    dumps = orjson.dumps
    with out.open("wb") as stream:
        chunk: list[bytes] = []
        for record in Generator(records, seed):
            counts[record["type"]] = counts.get(record["type"], 0) + 1
            chunk.append(dumps(record))
            if len(chunk) >= 10_000:
                stream.write(b"\n".join(chunk) + b"\n")
                chunk.clear()
        if chunk:
            stream.write(b"\n".join(chunk) + b"\n")
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, required=True, help="how many records")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--out", type=Path, required=True, help="JSON Lines file to write")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    counts = generate(args.records, args.seed, args.out)
    seconds = time.perf_counter() - started
    summary = ", ".join(f"{kind} {count}" for kind, count in sorted(counts.items()))
    print(
        f"wrote {args.records} records to {args.out} in {seconds:.1f} s ({summary})",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Loading the shipped reference data (Destatis GV-ISys, BKG VG5000, Königsteiner Schlüssel).

Idempotent: rows are upserted by their official key, so running the import again changes
nothing and never breaks records (members) that point at a municipality or district.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.db import transaction

from hafennetz.core.models import DistributionKeyShare, District, Municipality, State

DATA_DIR = Path(__file__).resolve().parent / "reference_data"
STATES_CSV = DATA_DIR / "bundeslaender_2024-12-31.csv"
DISTRICTS_CSV = DATA_DIR / "kreise_2024-12-31.csv"
MUNICIPALITIES_CSV = DATA_DIR / "gemeinden_2024-12-31.csv"
STATES_GEOJSON = DATA_DIR / "bundeslaender_vg5000.geojson"
DISTRICTS_GEOJSON = DATA_DIR / "kreise_vg5000.geojson"
KEY_CSV = DATA_DIR / "koenigsteiner_schluessel_2014-2016.csv"
FOUNDING_MEMBERS_CSV = DATA_DIR / "buendnis_gruendungsmitglieder.csv"

KOENIGSTEIN = "koenigstein"
BATCH = 2000


@dataclass(frozen=True)
class ImportCounts:
    states: int
    districts: int
    municipalities: int
    key_shares: int


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _boundaries(path: Path) -> dict[str, str]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return {
        f["properties"]["ags"]: json.dumps(f["geometry"], separators=(",", ":"))
        for f in data["features"]
    }


def _upsert(model: type, objs: list, fields: list[str]) -> None:
    model.objects.bulk_create(
        objs, batch_size=BATCH, update_conflicts=True, unique_fields=["ags"], update_fields=fields
    )


@transaction.atomic
def import_reference() -> ImportCounts:
    state_shapes = _boundaries(STATES_GEOJSON)
    states = [
        State(
            ags=r["ags"],
            name=r["name"],
            iso_3166_2=r["iso_3166_2"],
            population=int(r["population"]),
            area_km2=Decimal(r["area_km2"]),
            centroid_latitude=float(r["centroid_latitude"]),
            centroid_longitude=float(r["centroid_longitude"]),
            boundary=state_shapes.get(r["ags"], ""),
        )
        for r in _rows(STATES_CSV)
    ]
    _upsert(
        State,
        states,
        [
            "name",
            "iso_3166_2",
            "population",
            "area_km2",
            "centroid_latitude",
            "centroid_longitude",
            "boundary",
        ],
    )

    district_shapes = _boundaries(DISTRICTS_GEOJSON)
    districts = [
        District(
            ags=r["ags"],
            name=r["name"],
            short_name=r["short_name"],
            district_type=r["district_type"],
            state_id=r["state_ags"],
            population=int(r["population"]),
            area_km2=Decimal(r["area_km2"]),
            centroid_latitude=float(r["centroid_latitude"]),
            centroid_longitude=float(r["centroid_longitude"]),
            boundary=district_shapes.get(r["ags"], ""),
        )
        for r in _rows(DISTRICTS_CSV)
    ]
    _upsert(
        District,
        districts,
        [
            "name",
            "short_name",
            "district_type",
            "state",
            "population",
            "area_km2",
            "centroid_latitude",
            "centroid_longitude",
            "boundary",
        ],
    )

    municipalities = [
        Municipality(
            ags=r["ags"],
            name=r["name"],
            short_name=r["short_name"],
            municipality_type=r["municipality_type"],
            district_id=r["district_ags"],
            state_id=r["state_ags"],
            population=int(r["population"]),
            area_km2=Decimal(r["area_km2"]),
            postal_code=r["postal_code"],
            latitude=float(r["latitude"]),
            longitude=float(r["longitude"]),
        )
        for r in _rows(MUNICIPALITIES_CSV)
    ]
    _upsert(
        Municipality,
        municipalities,
        [
            "name",
            "short_name",
            "municipality_type",
            "district",
            "state",
            "population",
            "area_km2",
            "postal_code",
            "latitude",
            "longitude",
        ],
    )

    shares = [
        DistributionKeyShare(
            key=KOENIGSTEIN,
            year=int(r["key_year"]),
            state_id=r["state_ags"],
            share_percent=Decimal(r["share_percent"]),
        )
        for r in _rows(KEY_CSV)
    ]
    DistributionKeyShare.objects.bulk_create(
        shares,
        update_conflicts=True,
        unique_fields=["key", "year", "state"],
        update_fields=["share_percent"],
    )
    return ImportCounts(len(states), len(districts), len(municipalities), len(shares))

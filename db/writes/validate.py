"""Field checks shared by mutations and importers (no SQL here; references are checked
in the write modules). Each adds ``FieldError``s to an ``Errors`` collector."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

import pycountry

from db.writes.core import Errors

MIN_DATE = dt.date(1900, 1, 1)
EXTERNAL_SYSTEM = re.compile(r"^[a-z][a-z0-9_-]*$")
LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]+)*$")
ADMIN1 = re.compile(r"^[A-Z]{2}-[A-Z0-9]{1,3}$")


def today() -> dt.date:
    # A day of slack: "today" somewhere on Earth is tomorrow in UTC.
    return dt.datetime.now(dt.UTC).date() + dt.timedelta(days=1)


@lru_cache(maxsize=512)
def is_country(code: str) -> bool:
    return len(code) == 2 and pycountry.countries.get(alpha_2=code.upper()) is not None


def required(v: Mapping[str, Any], errors: Errors, *columns: str) -> None:
    for c in columns:
        value = v.get(c)
        if value is None or (isinstance(value, str) and not value.strip()):
            errors.add(c, "REQUIRED", "This field is required.")


def not_blank(v: Mapping[str, Any], errors: Errors, *columns: str) -> None:
    for c in columns:
        if c in v and isinstance(v[c], str) and not v[c].strip():
            errors.add(c, "REQUIRED", "Must not be empty.")


def date_in_range(v: Mapping[str, Any], errors: Errors, *columns: str) -> None:
    for c in columns:
        d = v.get(c)
        if d is None:
            continue
        if isinstance(d, dt.datetime):
            d = d.date()
        if d < MIN_DATE:
            errors.add(c, "OUT_OF_RANGE", "Dates before 1900 are not accepted.")
        elif d > today():
            errors.add(c, "OUT_OF_RANGE", "Dates in the future are not accepted.")


def ordered(v: Mapping[str, Any], errors: Errors, low: str, high: str, what: str) -> None:
    a, b = v.get(low), v.get(high)
    if a is not None and b is not None and b < a:
        errors.add(high, "INVALID_RANGE", f"{what} ends before it starts ({low} > {high}).")


def non_negative(v: Mapping[str, Any], errors: Errors, *columns: str) -> None:
    for c in columns:
        if v.get(c) is not None and v[c] < 0:
            errors.add(c, "OUT_OF_RANGE", "Must not be negative.")


def estimate(v: Mapping[str, Any], errors: Errors, prefix: str) -> None:
    cols = [f"{prefix}_low", f"{prefix}_best", f"{prefix}_high"]
    non_negative(v, errors, *cols)
    values = [v.get(c) for c in cols]
    known = [x for x in values if x is not None]
    if known != sorted(known):
        errors.add((prefix,), "INVALID_RANGE", "Expected low <= best <= high.")


def country(v: Mapping[str, Any], errors: Errors, column: str = "country_code") -> None:
    code = v.get(column)
    if code is not None and not is_country(code):
        errors.add(column, "INVALID_VALUE", f"{code!r} is not an ISO 3166-1 alpha-2 code.")


def coordinates(v: Mapping[str, Any], errors: Errors) -> None:
    lat, lon = v.get("latitude"), v.get("longitude")
    if lat is not None and not -90 <= lat <= 90:
        errors.add("latitude", "OUT_OF_RANGE", "Latitude must be between -90 and 90.")
    if lon is not None and not -180 <= lon <= 180:
        errors.add("longitude", "OUT_OF_RANGE", "Longitude must be between -180 and 180.")
    if ("latitude" in v or "longitude" in v) and (lat is None) != (lon is None):
        errors.add("longitude", "REQUIRED", "Give both latitude and longitude, or neither.")


def incident(v: Mapping[str, Any], errors: Errors) -> None:
    not_blank(v, errors, "summary")
    date_in_range(v, errors, "occurred_on", "date_earliest", "date_latest")
    ordered(v, errors, "date_earliest", "occurred_on", "The date range")
    ordered(v, errors, "occurred_on", "date_latest", "The date range")
    ordered(v, errors, "date_earliest", "date_latest", "The date range")
    estimate(v, errors, "killed")
    estimate(v, errors, "injured")
    non_negative(v, errors, "projectile_count")
    # what imported rows say (writable as the place, acled and ucdp inputs)
    coordinates(v, errors)
    non_negative(v, errors, "deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown")
    non_negative(v, errors, "number_of_sources")
    for column, top in (("date_prec", 5), ("where_prec", 7), ("event_clarity", 2)):
        if v.get(column) is not None and not 1 <= v[column] <= top:
            errors.add(column, "OUT_OF_RANGE", f"Must be between 1 and {top}.")
    code = v.get("admin1_code")
    if code is not None and not ADMIN1.match(code):
        errors.add("admin1_code", "INVALID_VALUE", "Expected an ISO 3166-2 code like IQ-AR.")


def actor(v: Mapping[str, Any], errors: Errors) -> None:
    not_blank(v, errors, "name")
    country(v, errors)


def location(v: Mapping[str, Any], errors: Errors) -> None:
    not_blank(v, errors, "name")
    coordinates(v, errors)
    country(v, errors)
    non_negative(v, errors, "precision_km")
    code = v.get("admin1_code")
    if code is not None:
        if not ADMIN1.match(code):
            errors.add("admin1_code", "INVALID_VALUE", "Expected an ISO 3166-2 code like IQ-AR.")
        elif v.get("country_code") and code[:2] != v["country_code"]:
            errors.add("admin1_code", "INVALID_VALUE", "The code is not in the location's country.")


def source(v: Mapping[str, Any], errors: Errors) -> None:
    not_blank(v, errors, "publisher")
    date_in_range(v, errors, "published_at", "revised_at")
    ordered(v, errors, "published_at", "revised_at", "The publication period")
    lang = v.get("language")
    if lang is not None and not LANGUAGE.match(lang):
        errors.add("language", "INVALID_VALUE", "Expected a BCP 47 language tag like en or ar.")


def period(v: Mapping[str, Any], errors: Errors, what: str) -> None:
    date_in_range(v, errors, "valid_from", "valid_to")
    ordered(v, errors, "valid_from", "valid_to", what)


def external_ids(pairs: list[tuple[str, str]], errors: Errors) -> None:
    seen: set[tuple[str, str]] = set()
    for n, (system, ext) in enumerate(pairs):
        if not EXTERNAL_SYSTEM.match(system):
            errors.add(
                ("externalIds", n, "system"), "INVALID_VALUE", "Lower-case letters, digits, - or _."
            )
        if not ext.strip():
            errors.add(("externalIds", n, "id"), "REQUIRED", "Must not be empty.")
        if (system, ext) in seen:
            errors.add(("externalIds", n, "id"), "DUPLICATE", "Listed twice.")
        seen.add((system, ext))

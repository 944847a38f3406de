"""Small shared object types and the Node interface."""

from __future__ import annotations

from functools import lru_cache

import pycountry
import strawberry


@strawberry.interface(description="An object with a global ID (Relay). Fetch any by `node(id:)`.")
class Node:
    id: strawberry.ID = strawberry.field(
        description="Opaque global ID. Stable: store it to refer to this object later."
    )


@strawberry.type(description="A country (ISO 3166-1).")
class Country:
    code: str = strawberry.field(description="ISO 3166-1 alpha-2 code, e.g. IQ.")
    name: str = strawberry.field(description="English short name, e.g. Iraq.")


@strawberry.type(description="A first-level administrative division (ISO 3166-2 where one exists).")
class Admin1:
    code: str | None = strawberry.field(description="ISO 3166-2 code, e.g. IQ-AR.")
    name: str | None = strawberry.field(description="Name, e.g. Arbīl.")


@strawberry.type(description="A count known as a range, like UCDP's low/best/high.")
class Estimate:
    low: int | None = strawberry.field(description="Lowest credible figure.")
    best: int | None = strawberry.field(description="Best estimate. null = not reported.")
    high: int | None = strawberry.field(description="Highest credible figure.")


@strawberry.type(description="An identifier of this record in another dataset.")
class ExternalId:
    system: str = strawberry.field(description="The dataset, e.g. acled, ucdp, sitrep-demo.")
    id: str = strawberry.field(description="The identifier there, e.g. IRQ12345.")
    version: str | None = strawberry.field(
        default=None,
        description="The record's version there, as last imported: ACLED's `timestamp` (Unix "
        "seconds); for UCDP, which has none, a hash of the row's values.",
    )


@lru_cache(maxsize=512)
def country(code: str | None) -> Country | None:
    if code is None:
        return None
    found = pycountry.countries.get(alpha_2=code)
    name = getattr(found, "common_name", None) or getattr(found, "name", None) or code
    return Country(code=code, name=str(name))

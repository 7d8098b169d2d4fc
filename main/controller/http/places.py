"""`/api/v1/countries`, `/industries`, `/cities`: each with company counts and its companies."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import orjson
from flask import request
from flask_restx import Namespace, Resource

from main.controller.http.context import container
from main.controller.http.openapi import model
from main.controller.http.pagination import PAGE_PARAMS, envelope, window_arg
from main.schema import responses
from main.service.keys import CITY, COUNTRY, INDUSTRY

if TYPE_CHECKING:
    from werkzeug.wrappers import Request

    from main.service.lookup import CompanyLookup


def _normalise(collection: str, key: str) -> str:
    """Country codes are upper-case, industry keys lower-case; city keys are taken as they are."""
    if collection == COUNTRY:
        return key.upper()
    if collection == INDUSTRY:
        return key.lower()
    return key


def place_namespace(collection: str, path: str, description: str) -> Namespace:
    ns = Namespace(path, description=description)

    @ns.route("")
    class PlaceList(Resource):
        @ns.doc(params=PAGE_PARAMS)
        @ns.response(
            200, f"{collection} nodes with their company counts, most companies first", model("PlacePage")
        )
        @ns.response(400, "Bad query parameters", model("Error"))
        @ns.response(404, "Page out of range", model("Error"))
        def get(self) -> dict[str, Any]:
            return places_answer(container().lookup, request, collection)

    @ns.route("/<string:key>/companies")
    @ns.param("key", f"{collection} key")
    class PlaceCompanies(Resource):
        @ns.doc(params=PAGE_PARAMS)
        @ns.response(200, f"Companies linked to the {collection.lower()}", model("CompanyPage"))
        @ns.response(400, "Bad query parameters", model("Error"))
        @ns.response(404, f"Unknown {collection.lower()}", model("Error"))
        def get(self, key: str) -> dict[str, Any]:
            window = window_arg(request, (str, str))
            found = container().lookup.place_companies(collection, _normalise(collection, key), window)
            return envelope(request, found, orjson.Fragment)

    PlaceList.__name__ = f"{collection}List"
    PlaceCompanies.__name__ = f"{collection}Companies"
    return ns


def places_answer(lookup: CompanyLookup, request: Request, collection: str) -> dict[str, Any]:
    """The page of a collection's places a request asks for (an ApiError when it cannot be given)."""
    window = window_arg(request, (int, str))
    return envelope(request, lookup.places(collection, window), responses.place_count_view)


# Each collection's path under the API's prefix, and what its keys are
COLLECTIONS = {
    COUNTRY: ("countries", "Countries (ISO 3166-1 alpha-2 keys)"),
    INDUSTRY: ("industries", "Industries (slug keys)"),
    CITY: ("cities", "Cities (country, state and name keys)"),
}
NAMESPACES = tuple(place_namespace(collection, *named) for collection, named in COLLECTIONS.items())

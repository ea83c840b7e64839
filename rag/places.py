"""The countries a place name stands for, so the answer stage's name check is not
fooled by metonyms and translations: "Washington" (the US government), "the Dutch",
"Havana", or a Spanish question's "Alemania" all name a country the report may
call by its English name. Data from the ``countryinfo`` package (MIT, 256
countries, read once: ~20 ms).

>>> countries("Washington"), countries("the Dutch"), countries("Alemania")
(('United States',), ('Netherlands',), ('Germany',))
>>> countries("UK"), countries("the UAE")
(('United Kingdom',), ('United Arab Emirates',))
>>> countries("Managua and Caracas"), countries("US"), countries("us")
(('Nicaragua', 'Venezuela'), ('United States',), ())
>>> countries("Havana Managua"), countries("Costa Rica"), countries("Sicily Town")
(('Cuba', 'Nicaragua'), ('Costa Rica',), ())
>>> countries("Palantir"), countries("Brussels"), countries("the EU")
((), ('Belgium', 'European Union'), ('European Union',))
>>> "Thailand" in members("Southeast Asian"), "Thai" in spellings("Thailand")
(True, True)
"""
from __future__ import annotations

import functools
import re
import unicodedata


def _key(name: str) -> str:
    """'the Dutch' -> 'dutch'; 'Japón' -> 'japon'; "Cuba's" -> 'cuba'."""
    name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    name = re.sub(r"^(the|el|la|los|las)\s+|'s?$", "", name.strip(), flags=re.I)
    return " ".join(name.lower().split())


# Where the EU sits: "Brussels" is asked about as the EU ("per Brussels' executive arm").
_SEATS = {"brussels": "European Union", "strasbourg": "European Union"}
_BLOCS = {"European Union": ("EU", "European Commission", "European Parliament", "European Council")}

# UN M49 regions as countryinfo names them ("region" or "subregion"), keyed as questions say them.
REGIONS = {
    "africa": "Africa", "african": "Africa", "north africa": "Northern Africa", "north african": "Northern Africa",
    "sub-saharan africa": "Sub-Saharan Africa", "sub-saharan african": "Sub-Saharan Africa",
    "americas": "Americas", "north america": "Northern America", "north american": "Northern America",
    "latin america": "Latin America and the Caribbean", "latin american": "Latin America and the Caribbean",
    "central america": "Latin America and the Caribbean", "central american": "Latin America and the Caribbean",
    "south america": "Latin America and the Caribbean", "south american": "Latin America and the Caribbean",
    "caribbean": "Latin America and the Caribbean", "america latina": "Latin America and the Caribbean",
    "caribe": "Latin America and the Caribbean",
    "asia": "Asia", "asian": "Asia", "central asia": "Central Asia", "central asian": "Central Asia",
    "east asia": "Eastern Asia", "east asian": "Eastern Asia", "south asia": "Southern Asia",
    "south asian": "Southern Asia", "southeast asia": "South-eastern Asia", "southeast asian": "South-eastern Asia",
    "south-east asia": "South-eastern Asia", "south-east asian": "South-eastern Asia",
    "sudeste asiatico": "South-eastern Asia", "middle east": "Western Asia", "middle eastern": "Western Asia",
    "europe": "Europe", "european": "Europe", "europa": "Europe", "western europe": "Western Europe",
    "eastern europe": "Eastern Europe", "eastern european": "Eastern Europe", "northern europe": "Northern Europe",
    "southern europe": "Southern Europe", "europa occidental": "Western Europe", "europa del este": "Eastern Europe",
    "oceania": "Oceania", "america del norte": "Northern America", "norteamerica": "Northern America",
    "america del sur": "Latin America and the Caribbean", "sudamerica": "Latin America and the Caribbean",
    "centroamerica": "Latin America and the Caribbean", "america central": "Latin America and the Caribbean",
    "africa subsahariana": "Sub-Saharan Africa", "asia oriental": "Eastern Asia", "asia meridional": "Southern Asia",
    "oriente medio": "Western Asia", "medio oriente": "Western Asia", "europa oriental": "Eastern Europe",
    "europa meridional": "Southern Europe", "europa del norte": "Northern Europe",
}


@functools.lru_cache(maxsize=1)
def _codes() -> dict[str, str]:
    """ISO codes, as typed in capitals ("US", "USA"): lower-cased, "us" is a pronoun."""
    from countryinfo import CountryInfo

    return {"EU": "European Union", "UE": "European Union"} | {code: c["name"] for c in CountryInfo.all().values()
                                       for code in ((c.get("ISO") or {}).get("alpha2"), (c.get("ISO") or {}).get("alpha3"),
                                                    *abbreviations(c)) if code}


def abbreviations(country: dict) -> list[str]:
    """A countryinfo record's abbreviations that are not its ISO codes: "UK", "UAE", "DRC", "RSA"."""
    iso = country.get("ISO") or {}
    return [a for a in country.get("altSpellings") or []
            if len(a) <= 4 and a.isupper() and a not in (iso.get("alpha2"), iso.get("alpha3"))]


@functools.lru_cache(maxsize=1)
def _table() -> dict[str, tuple[str, ...]]:
    """Capital, demonym, English and Spanish name, longer alternative spellings -> countries.
    A demonym can stand for several ("American": the US and two territories)."""
    from countryinfo import CountryInfo

    table: dict[str, set[str]] = {}
    for c in CountryInfo.all().values():
        capitals = c.get("capital") or []
        names = [*(capitals if isinstance(capitals, list) else [capitals]), c.get("demonym") or "", c["name"],
                 (c.get("translations") or {}).get("es") or "",
                 *(a for a in c.get("altSpellings") or [] if len(a) > 3)]  # "NL", "USA": codes, not names
        for n in names:
            # "Washington D.C." is asked about as "Washington"
            for k in {_key(n), _key(re.sub(r",?\s*D\.?\s?C\.?$", "", n))} - {""}:
                table.setdefault(k, set()).add(c["name"])
    for seat, bloc in _SEATS.items():
        table.setdefault(seat, set()).add(bloc)
    for key in ("european union", "union europea"):  # a bloc is asked about like a country
        table.setdefault(key, set()).add("European Union")
    return {k: tuple(sorted(v)) for k, v in table.items()}


def code(name: str) -> str:
    """``name`` as an ISO country code typed in capitals ("the USA" -> "USA"), or ""."""
    bare = re.sub(r"^(the|el|la|los|las)\s+", "", name.strip(), flags=re.I)
    return bare if bare in _codes() else ""


def countries(name: str) -> tuple[str, ...]:
    """The countries ``name`` stands for, or () when it is no known place.
    "A and B" stands for A's and B's countries, if both are places."""
    parts = [w for p in re.split(r"\s+(?:and|y|or|o)\s+|\s*,\s*", name.strip()) for w in _places_of(p)]
    found = [(_codes()[code(p)],) if code(p) else _table().get(_key(p), ()) for p in parts]
    if not all(found):
        return ()
    return tuple(dict.fromkeys(c for f in found for c in f))


def _places_of(words: str) -> list[str]:
    """A run of place names without commas ("Havana Managua"), as its places, the longest
    first; the run as it is when it is one place or not all places ("Costa Rica", "Sicily Town")."""
    ws, out, i = words.split(), [], 0
    while i < len(ws):
        k = next((k for k in range(len(ws) - i, 0, -1) if code(" ".join(ws[i:i + k])) or _key(" ".join(ws[i:i + k]))
                  in _table()), 0)
        if not k:
            return [words]
        out.append(" ".join(ws[i:i + k]))
        i += k
    return out or [words]


def _region(name: str) -> str | None:
    return REGIONS.get(re.sub(r"(?<=[a-z])(?:'s)?'?$", "", _key(name)).replace("south-eastern", "south-east"))


def region_names(name: str) -> tuple[str, ...]:
    """Every way of saying the region ``name`` stands for ("América del Norte": "north america", …)."""
    region = _region(name)
    return tuple(k for k, v in REGIONS.items() if v == region) if region else ()


@functools.lru_cache(maxsize=None)
def members(name: str) -> tuple[str, ...]:
    """The countries of a region ``name`` stands for ("Southeast Asian"), or ()."""
    from countryinfo import CountryInfo

    region = _region(name)
    if region is None:
        return ()
    return tuple(sorted(c["name"] for c in CountryInfo.all().values()
                        if region.lower() in ((c.get("region") or "").lower(), (c.get("subregion") or "").lower())))


@functools.lru_cache(maxsize=None)
def spellings(country: str) -> tuple[str, ...]:
    """How a text may name ``country``: its name, demonym, capitals (and a bloc's bodies)."""
    from countryinfo import CountryInfo

    c = CountryInfo.all().get(country.lower()) or {}
    capitals = c.get("capital") or []
    found = [country, c.get("demonym") or "", *(capitals if isinstance(capitals, list) else [capitals]),
             *_BLOCS.get(country, ())]
    return tuple(dict.fromkeys(re.sub(r",?\s*D\.?\s?C\.?$", "", f) for f in found if f))

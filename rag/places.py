"""The countries a place name stands for, so the answer stage's name check is not
fooled by metonyms and translations: "Washington" (the US government), "the Dutch",
"Havana", or a Spanish question's "Alemania" all name a country the report may
call by its English name. Data from the ``countryinfo`` package (MIT, 256
countries, read once: ~20 ms).

>>> countries("Washington"), countries("the Dutch"), countries("Alemania")
(('United States',), ('Netherlands',), ('Germany',))
>>> countries("Managua and Caracas"), countries("US"), countries("us")
(('Nicaragua', 'Venezuela'), ('United States',), ())
>>> countries("Palantir")
()
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


@functools.lru_cache(maxsize=1)
def _codes() -> dict[str, str]:
    """ISO codes, as typed in capitals ("US", "USA"): lower-cased, "us" is a pronoun."""
    from countryinfo import CountryInfo

    return {code: c["name"] for c in CountryInfo.all().values()
            for code in ((c.get("ISO") or {}).get("alpha2"), (c.get("ISO") or {}).get("alpha3")) if code}


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
    return {k: tuple(sorted(v)) for k, v in table.items()}


def code(name: str) -> str:
    """``name`` as an ISO country code typed in capitals ("the USA" -> "USA"), or ""."""
    bare = re.sub(r"^(the|el|la|los|las)\s+", "", name.strip(), flags=re.I)
    return bare if bare in _codes() else ""


def countries(name: str) -> tuple[str, ...]:
    """The countries ``name`` stands for, or () when it is no known place.
    "A and B" stands for A's and B's countries, if both are places."""
    parts = re.split(r"\s+(?:and|y|or|o)\s+|\s*,\s*", name.strip())
    found = [(_codes()[code(p)],) if code(p) else _table().get(_key(p), ()) for p in parts]
    if not all(found):
        return ()
    return tuple(dict.fromkeys(c for f in found for c in f))

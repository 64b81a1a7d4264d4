"""Units: a lexicon of how books write units, mapped through a pint registry to canonical units.

Canonical units (what every outcome is stored in):
    tCO2e  tonnes of CO2 equivalent          tce  tonnes of standard coal equivalent
    kWh    electricity / energy               MW   power capacity
    CNY    yuan (other currencies keep their ISO code, no FX conversion)
    m2  m3  t  %   and a few counts (persons)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache

import pint

_REG = pint.UnitRegistry()
_REG.define("tCO2e = [co2e]")
_REG.define("kgCO2e = 1e-3 * tCO2e")
_REG.define("gCO2e = 1e-6 * tCO2e")
_REG.define("tce = [coal_equivalent]")
_REG.define("kgce = 1e-3 * tce")
_REG.define("CNY = [currency_cny]")
_OTHER_CURRENCIES = ("AUD", "CAD", "SGD", "MYR", "INR", "NZD", "KRW", "CHF", "SEK", "NOK", "DKK")
for code in ("USD", "EUR", "HKD", "GBP", "JPY", *_OTHER_CURRENCIES):
    _REG.define(f"{code} = [currency_{code.lower()}]")
_REG.define("mu = 10000 / 15 * meter ** 2")  # 亩: 1/15 hectare
_REG.define("percent_ = [percent_dim]")
_REG.define("person_ = [persons]")

CANONICAL = {
    "tCO2e": "tCO2e",
    "kgCO2e": "tCO2e",
    "gCO2e": "tCO2e",
    "tce": "tce",
    "kgce": "tce",
    "kWh": "kWh",
    "MWh": "kWh",
    "GWh": "kWh",
    "kW": "MW",
    "MW": "MW",
    "GW": "MW",
    "W": "MW",
    "CNY": "CNY",
    "USD": "USD",
    "EUR": "EUR",
    "HKD": "HKD",
    "GBP": "GBP",
    "JPY": "JPY",
    **{code: code for code in _OTHER_CURRENCIES},
    "TWh": "kWh",
    "TW": "MW",
    "kilotonne": "t",
    "megatonne": "t",
    "m**2": "m2",
    "km**2": "m2",
    "mu": "m2",
    "hectare": "m2",
    "m**3": "m3",
    "t": "t",
    "kg": "t",
    "percent_": "%",
    "person_": "persons",
}
_PINT_NAME = {"m2": "m**2", "m3": "m**3", "%": "percent_", "persons": "person_"}


@cache
def factor(unit: str) -> float:
    """Multiplier from `unit` (a pint expression from the lexicon) to its canonical unit."""
    canonical = CANONICAL[unit]
    return float(_REG.Quantity(1.0, unit).to(_PINT_NAME.get(canonical, canonical)).magnitude)


def to_canonical(value: float, unit: str) -> tuple[float, str]:
    # 12 significant digits: 400 W is 0.0004 MW, not 0.00039999999999999996.
    return float(f"{value * factor(unit):.12g}"), CANONICAL[unit]


@dataclass(frozen=True, slots=True)
class UnitForm:
    pattern: str  # regex for the written form
    unit: str  # pint expression
    family: str  # co2, coal, energy, power, money, area, volume, mass, percent, persons


# Longest forms first in the alternation (regex alternation is ordered).
_FORMS = [
    # CO2 equivalents
    UnitForm(r"吨\s*(?:二氧化碳|CO2|co2)\s*(?:当量|e|eq)?", "tCO2e", "co2"),
    UnitForm(r"吨\s*碳(?:当量)?", "tCO2e", "co2"),  # "吨碳" in these books means tCO2, not tC
    UnitForm(r"(?:千克|公斤)\s*(?:二氧化碳|CO2)\s*(?:当量|e|eq)?", "kgCO2e", "co2"),
    UnitForm(r"克\s*(?:二氧化碳|CO2)\s*(?:当量|e|eq)?", "gCO2e", "co2"),
    UnitForm(r"t\s*CO2\s*(?:-?eq|e)?", "tCO2e", "co2"),
    # English: "tonnes of CO2 equivalent", "metric tons of CO2e", "tonnes of carbon dioxide"
    UnitForm(
        r"(?:metric\s+)?(?:tonnes?|tons?)\s+of\s+(?:CO2|carbon\s+dioxide)(?:\s*-?\s*(?:equivalent|eq|e)\b)?",
        "tCO2e",
        "co2",
    ),
    UnitForm(r"kg\s*CO2\s*(?:-?eq|e)?", "kgCO2e", "co2"),
    UnitForm(r"g\s*CO2\s*(?:-?eq|e)?", "gCO2e", "co2"),
    # coal equivalent
    UnitForm(r"吨\s*标(?:准)?煤(?:当量)?", "tce", "coal"),
    UnitForm(r"(?:千克|公斤)\s*标(?:准)?煤", "kgce", "coal"),
    UnitForm(r"tce\b|tec\b", "tce", "coal"),
    UnitForm(r"(?:metric\s+)?(?:tonnes?|tons?)\s+of\s+(?:standard\s+)?coal\s+equivalent(?:\s*\(tce\))?", "tce", "coal"),
    UnitForm(r"kgce\b", "kgce", "coal"),
    # electricity / energy
    UnitForm(r"千瓦\s*[·.•]?\s*时|kWh|KWh|kwh|kilowatt[- ]hours?|度电|度", "kWh", "energy"),
    UnitForm(r"兆瓦\s*[·.•]?\s*时|MWh|mwh|megawatt[- ]hours?", "MWh", "energy"),
    UnitForm(r"吉瓦\s*[·.•]?\s*时|GWh|gwh|gigawatt[- ]hours?", "GWh", "energy"),
    UnitForm(r"TWh\b|terawatt[- ]hours?", "TWh", "energy"),
    # power ("megawatts", "gigawatts": English writes the words too)
    UnitForm(r"terawatts?\b|TWp?\b", "TW", "power"),
    UnitForm(r"吉瓦|GWp?\b|gigawatts?\b", "GW", "power"),
    UnitForm(r"兆瓦|MWp?\b|mw\b|megawatts?\b", "MW", "power"),
    UnitForm(r"千瓦|kWp?\b|KWp?\b|kw\b|kilowatts?\b", "kW", "power"),
    UnitForm(r"瓦(?!时)|Wp?\b", "W", "power"),
    # money
    UnitForm(r"元(?:人民币)?|人民币", "CNY", "money"),
    UnitForm(r"美元", "USD", "money"),
    UnitForm(r"欧元", "EUR", "money"),
    UnitForm(r"港元|港币", "HKD", "money"),
    UnitForm(r"英镑", "GBP", "money"),
    UnitForm(r"日元", "JPY", "money"),
    UnitForm(r"RMB|CNY|yuan\b", "CNY", "money"),  # English books: "RMB 96 million", "5 million yuan"
    UnitForm(r"AUD\s*\$?|A\$", "AUD", "money"),
    UnitForm(r"CAD\s*\$?|C\$", "CAD", "money"),
    UnitForm(r"SGD\s*\$?|S\$", "SGD", "money"),
    UnitForm(r"NZD\s*\$?|NZ\$", "NZD", "money"),
    UnitForm(r"MYR\b", "MYR", "money"),
    UnitForm(r"INR\b|rupees?\b", "INR", "money"),
    UnitForm(r"KRW\b", "KRW", "money"),
    UnitForm(r"CHF\b", "CHF", "money"),
    UnitForm(r"SEK\b", "SEK", "money"),
    UnitForm(r"NOK\b", "NOK", "money"),
    UnitForm(r"DKK\b", "DKK", "money"),
    UnitForm(r"USD\s*\$?|US\$|\$|dollars?\b", "USD", "money"),
    UnitForm(r"EUR|euros?\b|€", "EUR", "money"),
    UnitForm(r"HKD\b", "HKD", "money"),
    UnitForm(r"GBP\b|£|pounds?\s+sterling", "GBP", "money"),
    UnitForm(r"JPY\b", "JPY", "money"),
    # area
    UnitForm(r"平方公里|km2|km²", "km**2", "area"),
    UnitForm(r"平方米|平米|m2\b|m²|㎡|square\s+met(?:re|er)s?", "m**2", "area"),
    UnitForm(r"公顷|hm2|ha\b|hectares?", "hectare", "area"),
    UnitForm(r"亩", "mu", "area"),
    # volume
    UnitForm(r"立方米|m3\b|m³|立方(?!米)|方(?=[，。；、/\s]|$)", "m**3", "volume"),
    # mass
    UnitForm(r"(?:metric\s+)?(?:kilotonnes?|kilotons?)\b", "kilotonne", "mass"),
    UnitForm(r"(?:metric\s+)?(?:megatonnes?|megatons?)\b", "megatonne", "mass"),
    UnitForm(r"吨|t\b|(?:metric\s+)?tonnes?\b|tons?\b", "t", "mass"),
    UnitForm(r"千克|公斤|kg\b|KG\b|Kg\b", "kg", "mass"),
    # percent
    UnitForm(r"%|％|个百分点", "percent_", "percent"),
    # people
    UnitForm(r"人次|名|人(?![民工])|persons?\b|people\b", "person_", "persons"),
]

UNIT_PATTERN = "|".join(f"(?:{f.pattern})" for f in _FORMS)
_COMPILED = [(re.compile(f"^(?:{f.pattern})$", re.I if f.family != "mass" else 0), f) for f in _FORMS]


@lru_cache(maxsize=4096)
def lookup(written: str) -> UnitForm | None:
    written = written.strip()
    for rx, form in _COMPILED:
        if rx.match(written):
            return form
    return None

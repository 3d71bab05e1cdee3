"""Well-known names in Latin and Arabic script, for the ``latin`` known-item class.

Countries: pycountry's English names (``common_name`` if any, else ``name``; a few formal names
replaced by the short form news uses) paired with pycountry's Arabic translations (gettext,
iso3166-1 catalogue, as :mod:`pipelines.indexer.enrich.gazetteer` uses) and the gazetteer's short
news spellings (:data:`~pipelines.indexer.enrich.gazetteer.COUNTRY_ALIASES`). An Arabic spelling
claimed by two countries (``كوريا``, ``الكونغو``) and the gazetteer's everyday-word names are dropped.

People, organisations and cities: :data:`HAND_NAMES`, a short hand-written list of names frequent
in 2018 Arabic news (the ANT corpus period).
"""

from __future__ import annotations

import gettext
import re
from dataclasses import dataclass
from functools import cache

import pycountry

from pipelines.indexer.enrich.gazetteer import COUNTRY_ALIASES, EXCLUDED_NAMES

# pycountry's English name is formal for these; news (and searchers) use the short one.
SHORT_ENGLISH = {
    "RU": "Russia",
    "TR": "Turkey",
    "PS": "Palestine",
    "GB": "Britain",
    "US": "United States",
    "IR": "Iran",
    "SY": "Syria",
    "KR": "South Korea",
    "KP": "North Korea",
    "CZ": "Czech Republic",
    "MD": "Moldova",
    "TZ": "Tanzania",
    "LA": "Laos",
    "VN": "Vietnam",
    "VA": "Vatican",
    "CD": "DR Congo",
    "CG": "Congo",
    "BO": "Bolivia",
    "VE": "Venezuela",
    "TW": "Taiwan",
    "FM": "Micronesia",
    "MK": "North Macedonia",
}

# Latin -> Arabic spellings ("|" separates spellings news uses).
HAND_NAMES: dict[str, str] = {
    "Putin": "بوتين",
    "Lavrov": "لافروف",
    "Trump": "ترامب",
    "Obama": "أوباما",
    "Pompeo": "بومبيو",
    "Tillerson": "تيلرسون",
    "Bolton": "بولتون",
    "Erdogan": "أردوغان|إردوغان",
    "Macron": "ماكرون",
    "Merkel": "ميركل",
    "Theresa May": "تيريزا ماي",
    "Netanyahu": "نتنياهو",
    "Khamenei": "خامنئي",
    "Rouhani": "روحاني",
    "Zarif": "ظريف",
    "Assad": "الأسد",
    "Sisi": "السيسي",
    "Haftar": "حفتر",
    "Guterres": "غوتيريش|غوتيريس",
    "de Mistura": "دي ميستورا",
    "Kim Jong Un": "كيم جونغ أون",
    "Mohammed bin Salman": "محمد بن سلمان",
    "Khashoggi": "خاشقجي",
    "Messi": "ميسي",
    "Ronaldo": "رونالدو",
    "Mohamed Salah": "محمد صلاح",
    "Zidane": "زيدان",
    "Hezbollah": "حزب الله",
    "Hamas": "حماس",
    "Houthi": "الحوثي|الحوثيين|الحوثيون",
    "ISIS": "داعش",
    "NATO": "الناتو",
    "United Nations": "الأمم المتحدة",
    "UNESCO": "اليونسكو",
    "UNICEF": "اليونيسف",
    "FIFA": "فيفا|الفيفا",
    "OPEC": "أوبك",
    "European Union": "الاتحاد الأوروبي",
    "Facebook": "فيسبوك|فيس بوك",
    "Google": "غوغل|جوجل",
    "Twitter": "تويتر",
    "Apple": "آبل|أبل",
    "Microsoft": "مايكروسوفت",
    "Samsung": "سامسونغ|سامسونج",
    "Instagram": "إنستغرام|انستغرام",
    "WhatsApp": "واتساب|واتس اب",
    "Real Madrid": "ريال مدريد",
    "Barcelona": "برشلونة",
    "Liverpool": "ليفربول",
    "Manchester United": "مانشستر يونايتد",
    "Moscow": "موسكو",
    "Damascus": "دمشق",
    "Aleppo": "حلب",
    "Idlib": "إدلب",
    "Beirut": "بيروت",
    "Baghdad": "بغداد",
    "Cairo": "القاهرة",
    "Riyadh": "الرياض",
    "Tehran": "طهران",
    "Jerusalem": "القدس",
    "Gaza": "غزة",
    "Istanbul": "إسطنبول|اسطنبول",
    "Ankara": "أنقرة",
    "Washington": "واشنطن",
    "London": "لندن",
    "Paris": "باريس",
    "Berlin": "برلين",
    "Dubai": "دبي",
    "Doha": "الدوحة",
}

_MARKS = re.compile("[\u064b-\u0652\u0670\u0640]")
_PARENS = re.compile(r"\s*\([^)]*\)")


@dataclass(frozen=True)
class Name:
    latin: str
    arabic: tuple[str, ...]


def _clean_arabic(name: str) -> str:
    return " ".join(_MARKS.sub("", _PARENS.sub("", name)).split())


def _country_names() -> list[Name]:
    ar = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["ar"])
    by_code: dict[str, tuple[str, list[str]]] = {}
    for country in pycountry.countries:
        code = country.alpha_2
        latin = SHORT_ENGLISH.get(code) or getattr(country, "common_name", None) or country.name
        if "," in latin or "(" in latin:
            continue
        arabic = list(COUNTRY_ALIASES.get(code, []))
        for attr in ("name", "official_name", "common_name"):
            value = getattr(country, attr, None)
            translated = ar.gettext(value) if value else ""
            if translated and translated != value and re.search("[\u0600-\u06ff]", translated):
                arabic.extend(translated.split("،"))
        spellings = [_clean_arabic(a) for a in arabic]
        by_code[code] = (latin, [a for a in dict.fromkeys(spellings) if a and a not in EXCLUDED_NAMES])
    owners: dict[str, set[str]] = {}
    for code, (_latin, spellings) in by_code.items():
        for spelling in spellings:
            owners.setdefault(spelling, set()).add(code)
    out = []
    for _code, (latin, spellings) in sorted(by_code.items()):
        unique = tuple(s for s in spellings if len(owners[s]) == 1)
        if unique:
            out.append(Name(latin, unique))
    return out


@cache
def known_names() -> tuple[Name, ...]:
    """Countries first (pycountry order by code), then :data:`HAND_NAMES`."""
    hand = [Name(latin, tuple(arabic.split("|"))) for latin, arabic in HAND_NAMES.items()]
    return tuple(_country_names() + hand)

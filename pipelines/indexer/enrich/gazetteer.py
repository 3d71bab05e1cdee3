"""Build the places gazetteer ``data/places.json`` (committed; run ``python -m`` this module to rebuild).

Sources: the Arabic names of every ISO 3166-1 country from pycountry's gettext catalogue (the
iso-codes project, maintained by Debian), plus what that catalogue lacks, listed here by hand: the
short names news actually uses (``سوريا`` for "الجمهورية العربية السورية", ``روسيا``, ``أمريكا``) and
capitals/major cities with their country code. The JSON is committed so indexing never depends on
gettext catalogues at run time; ``tests/unit/test_enrich_places.py`` fails if it drifts from a
fresh build.

Names are matched on :func:`~pipelines.normalize.arabic.normalize_text` keys; a key that would
point at two different countries (``عمان``: Oman or Amman; ``طرابلس``: Tripoli of Libya or of
Lebanon; ``كوريا``; ``الكونغو``) is dropped rather than guessed, and a few country names that are
everyday words (``مالي`` "financial", ``بنين`` "sons") are excluded.
"""

from __future__ import annotations

import gettext
import json
import re
from pathlib import Path

import pycountry

from pipelines.normalize.arabic import normalize_text

OUTPUT = Path(__file__).resolve().parent / "data" / "places.json"

# Everyday words that are also country names: matching them would tag most articles.
EXCLUDED_NAMES = {"مالي", "بنين"}

# Short/common country names used in news (pycountry gives the formal ones). First = display name.
COUNTRY_ALIASES: dict[str, list[str]] = {
    "SY": ["سوريا", "سورية"],
    "RU": ["روسيا", "روسيا الاتحادية"],
    "US": [
        "الولايات المتحدة",
        "أمريكا",
        "أميركا",
        "الولايات المتحدة الأمريكية",
        "الولايات المتحدة الأميركية",
    ],
    "GB": ["بريطانيا", "المملكة المتحدة"],
    "TR": ["تركيا"],
    "IR": ["إيران"],
    "SA": ["السعودية", "المملكة العربية السعودية"],
    "AE": ["الإمارات", "الإمارات العربية المتحدة"],
    "KR": ["كوريا الجنوبية"],
    "KP": ["كوريا الشمالية"],
    "CD": ["الكونغو الديمقراطية"],
    "PS": ["فلسطين"],
    "CZ": ["التشيك"],
    "VN": ["فيتنام"],
    "TW": ["تايوان"],
    "TZ": ["تنزانيا"],
    "BY": ["بيلاروسيا"],
    "MD": ["مولدوفا"],
    "VE": ["فنزويلا"],
    "BO": ["بوليفيا"],
    "LA": ["لاوس"],
    "MT": ["مالطا"],
    "RS": ["صربيا"],
    "HU": ["المجر", "هنغاريا"],
    "ME": ["الجبل الأسود"],
    "NZ": ["نيوزيلندا"],
    "LT": ["ليتوانيا"],
    "PE": ["بيرو"],
    "OM": ["سلطنة عمان"],
    "VA": ["الفاتيكان"],
    "FM": ["ميكرونيزيا"],
    "DO": ["الدومينيكان"],
    "CF": ["أفريقيا الوسطى"],
    "ZA": ["جنوب أفريقيا"],
    "NL": ["هولندا"],
    "BN": ["بروناي"],
}

# Capitals and cities frequent in Arabic news, with their ISO country code ("" = no single code);
# "a|b" lists spellings of one city. Left out on purpose: cities whose name is a common word
# (سيول Seoul = "floods", مشهد Mashhad = "scene", صور Tyre = "pictures", كيف Kyiv = "how").
CITIES: dict[str, list[str]] = {
    "SY": [
        "دمشق",
        "حلب",
        "حمص",
        "حماة",
        "اللاذقية",
        "إدلب",
        "دير الزور",
        "الرقة",
        "درعا",
        "طرطوس",
        "القامشلي",
    ],
    "RU": ["موسكو", "سانت بطرسبرغ", "سوتشي"],
    "EG": ["القاهرة", "الإسكندرية", "الجيزة", "بورسعيد", "أسوان", "الأقصر"],
    "LB": ["بيروت", "صيدا", "طرابلس"],
    "LY": ["طرابلس", "بنغازي", "مصراتة", "سرت"],
    "IQ": ["بغداد", "البصرة", "الموصل", "أربيل", "النجف", "كربلاء", "كركوك", "الفلوجة"],
    "SA": ["الرياض", "جدة", "مكة المكرمة", "المدينة المنورة", "الدمام"],
    "AE": ["دبي", "أبوظبي|أبو ظبي", "الشارقة"],
    "QA": ["الدوحة"],
    "BH": ["المنامة"],
    "OM": ["مسقط"],
    "YE": ["صنعاء", "عدن", "الحديدة", "تعز", "مأرب"],
    "JO": ["عمان", "الزرقاء", "إربد", "العقبة"],
    "PS": ["غزة", "رام الله", "نابلس", "الخليل", "جنين", "رفح", "خان يونس"],
    "IL": ["تل أبيب", "حيفا"],
    "": ["القدس"],
    "MA": ["الرباط", "الدار البيضاء", "مراكش", "فاس", "طنجة"],
    "DZ": ["وهران", "قسنطينة"],
    "TN": ["صفاقس", "سوسة"],
    "SD": ["الخرطوم", "أم درمان", "دارفور"],
    "SS": ["جوبا"],
    "MR": ["نواكشوط"],
    "SO": ["مقديشو"],
    "TR": ["أنقرة", "إسطنبول", "غازي عنتاب"],
    "IR": ["طهران", "أصفهان"],
    "AF": ["كابل"],
    "PK": ["إسلام آباد", "كراتشي", "لاهور"],
    "IN": ["نيودلهي", "مومباي"],
    "CN": ["بكين", "شنغهاي"],
    "JP": ["طوكيو"],
    "KP": ["بيونغ يانغ"],
    "US": ["واشنطن", "نيويورك", "لوس أنجلوس|لوس أنجليس"],
    "GB": ["لندن"],
    "FR": ["باريس"],
    "DE": ["برلين", "ميونخ"],
    "IT": ["روما"],
    "ES": ["مدريد"],
    "BE": ["بروكسل"],
    "CH": ["جنيف", "بيرن"],
    "AT": ["فيينا"],
    "UA": ["كييف", "خاركيف", "أوديسا"],
    "BY": ["مينسك"],
    "PL": ["وارسو"],
    "GR": ["أثينا"],
    "SE": ["ستوكهولم"],
    "NO": ["أوسلو"],
    "DK": ["كوبنهاغن"],
    "NL": ["أمستردام", "لاهاي"],
    "CA": ["أوتاوا", "تورونتو"],
    "BR": ["برازيليا"],
    "AR": ["بوينس آيرس"],
    "AU": ["كانبيرا", "سيدني"],
    "ET": ["أديس أبابا"],
    "KE": ["نيروبي"],
    "NG": ["أبوجا", "لاغوس"],
    "SN": ["داكار"],
    "ML": ["باماكو"],
    "NE": ["نيامي"],
    "CY": ["نيقوسيا"],
    "AZ": ["باكو"],
    "AM": ["يريفان"],
    "GE": ["تبليسي"],
    "UZ": ["طشقند"],
}

_SHADDA_ETC = re.compile("[\u064b-\u0652\u0670]")
_PARENS = re.compile(r"\s*\([^)]*\)")


def _display(name: str) -> str:
    """pycountry's Arabic names carry decorative shadda/harakat; drop them for display."""
    return re.sub(r"\s+", " ", _SHADDA_ETC.sub("", _PARENS.sub("", name))).strip()


def _pycountry_names() -> dict[str, list[str]]:
    ar = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["ar"])
    names: dict[str, list[str]] = {}
    for country in pycountry.countries:
        found = []
        for attr in ("name", "official_name", "common_name"):
            value = getattr(country, attr, None)
            if not value:
                continue
            translated = ar.gettext(value)
            if translated == value or not re.search("[\u0600-\u06ff]", translated):
                continue  # untranslated (e.g. "Türkiye")
            # "كوريا، جمهورية كوريا": keep both halves; ambiguous halves are dropped later.
            found.extend(_display(part) for part in translated.split("،"))
        names[country.alpha_2] = [n for n in dict.fromkeys(found) if n]
    return names


def build() -> list[dict]:
    """Entries ``{"name", "code", "kind", "aliases"}``, aliases = every written form to match."""
    entries: list[dict] = []
    for code, official in sorted(_pycountry_names().items()):
        aliases = [_display(a) for a in COUNTRY_ALIASES.get(code, [])] + official
        aliases = [a for a in dict.fromkeys(aliases) if a not in EXCLUDED_NAMES]
        if aliases:
            entries.append({"name": aliases[0], "code": code, "kind": "country", "aliases": aliases})
    for code, cities in CITIES.items():
        for city in cities:
            spellings = city.split("|")
            entries.append({"name": spellings[0], "code": code, "kind": "city", "aliases": spellings})

    # A key claimed by two different countries is ambiguous: drop it everywhere.
    owners: dict[str, set[str]] = {}
    for entry in entries:
        for alias in entry["aliases"]:
            owners.setdefault(normalize_text(alias), set()).add(entry["code"])
    ambiguous = {key for key, codes in owners.items() if len(codes) > 1}
    out = []
    for entry in entries:
        kept = [a for a in entry["aliases"] if normalize_text(a) not in ambiguous]
        if kept:
            out.append({**entry, "name": kept[0], "aliases": kept})
    return out


def render(entries: list[dict]) -> str:
    """One entry per line: readable diffs when the gazetteer changes."""
    return "[\n" + ",\n".join(json.dumps(e, ensure_ascii=False) for e in entries) + "\n]\n"


def main() -> None:
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(render(build()), encoding="utf-8")
    print(f"wrote {OUTPUT}")  # noqa: T201


if __name__ == "__main__":
    main()

"""Latin <-> Arabic name aliases for search (``schemas/name-aliases.txt``; ``python -m`` this module
rebuilds it).

A searcher who types ``Lavrov`` or ``Saudi Arabia`` must find ``لافروف`` and ``السعودية``. Arabic news
writes foreign names in Arabic script, so no analysis step can match the two spellings: a query-time
``synonym_graph`` filter (stock Elasticsearch, no plugin) maps each Latin form to its Arabic form. It sits in the *search* analyzer only, so the index keeps the words as written and the list can
grow without a reindex of the text (a changed list is a settings change: ``khabar index reindex``).

Sources: every country of the places gazetteer (``indexer/enrich/data/places.json``, Arabic names from the
iso-codes catalogue) with its English names from pycountry, plus the hand list below of cities,
people and organisations that Arabic news of the last years names most. Latin forms are lowercase
(the filter runs after ``lowercase``); a Latin form that is an everyday English word (``us``,
``may``, ``turkey``) is left out rather than matched against every English text.
"""

from __future__ import annotations

import json
from pathlib import Path

import pycountry

from pipelines.resources import shipped

OUTPUT = shipped("schemas", "name-aliases.txt")
# The gazetteer the indexer enriches with (read here only when the alias list is rebuilt).
PLACES = Path(__file__).resolve().parents[1] / "indexer" / "enrich" / "data" / "places.json"

# Short English names news uses where pycountry has only the formal one.
COUNTRY_LATIN: dict[str, list[str]] = {
    "RU": ["russia"],
    "TR": ["turkey", "turkiye"],
    "US": ["usa", "america"],
    "GB": ["uk", "britain", "great britain"],
    "PS": ["palestine"],
    "KP": ["north korea"],
    "CZ": ["czechia", "czech republic"],
    "AE": ["uae", "emirates"],
    "SA": ["ksa"],
    "NL": ["holland"],
    "VA": ["vatican"],
}
# Latin forms that are everyday English words and rarely mean the name. Country names such as
# Turkey, Jordan, China or Chad are kept: in an Arabic news index a searcher typing them means the
# country (the alias only adds the Arabic word; the Latin word is still searched as typed).
LATIN_STOP = {"us", "may"}

# (Latin forms, Arabic forms): cities, people and organisations frequent in Arabic news.
NAMES: list[tuple[list[str], list[str]]] = [
    # cities
    (["moscow"], ["موسكو"]),
    (["washington"], ["واشنطن"]),
    (["london"], ["لندن"]),
    (["paris"], ["باريس"]),
    (["berlin"], ["برلين"]),
    (["beijing"], ["بكين"]),
    (["tokyo"], ["طوكيو"]),
    (["new york"], ["نيويورك"]),
    (["geneva"], ["جنيف"]),
    (["brussels"], ["بروكسل"]),
    (["vienna"], ["فيينا"]),
    (["rome"], ["روما"]),
    (["madrid"], ["مدريد"]),
    (["sochi"], ["سوتشي"]),
    (["astana"], ["أستانا", "استانا"]),
    (["damascus"], ["دمشق"]),
    (["aleppo"], ["حلب"]),
    (["idlib"], ["إدلب"]),
    (["raqqa"], ["الرقة"]),
    (["homs"], ["حمص"]),
    (["ghouta"], ["الغوطة"]),
    (["baghdad"], ["بغداد"]),
    (["mosul"], ["الموصل"]),
    (["basra"], ["البصرة"]),
    (["erbil"], ["أربيل"]),
    (["beirut"], ["بيروت"]),
    (["cairo"], ["القاهرة"]),
    (["alexandria"], ["الإسكندرية"]),
    (["riyadh"], ["الرياض"]),
    (["jeddah"], ["جدة"]),
    (["mecca", "makkah"], ["مكة"]),
    (["medina"], ["المدينة المنورة"]),
    (["dubai"], ["دبي"]),
    (["abu dhabi"], ["أبوظبي", "أبو ظبي"]),
    (["doha"], ["الدوحة"]),
    (["manama"], ["المنامة"]),
    (["muscat"], ["مسقط"]),
    (["kuwait city"], ["مدينة الكويت"]),
    (["sanaa"], ["صنعاء"]),
    (["aden"], ["عدن"]),
    (["hodeidah"], ["الحديدة"]),
    (["amman"], ["عمان"]),
    (["jerusalem"], ["القدس"]),
    (["gaza"], ["غزة"]),
    (["ramallah"], ["رام الله"]),
    (["tel aviv"], ["تل أبيب"]),
    (["tehran"], ["طهران"]),
    (["ankara"], ["أنقرة"]),
    (["istanbul"], ["إسطنبول", "اسطنبول"]),
    (["tripoli"], ["طرابلس"]),
    (["benghazi"], ["بنغازي"]),
    (["tunis"], ["تونس"]),
    (["algiers"], ["الجزائر"]),
    (["rabat"], ["الرباط"]),
    (["casablanca"], ["الدار البيضاء"]),
    (["khartoum"], ["الخرطوم"]),
    (["kabul"], ["كابل"]),
    (["islamabad"], ["إسلام آباد"]),
    (["new delhi"], ["نيودلهي"]),
    # people
    (["trump"], ["ترامب"]),
    (["putin"], ["بوتين"]),
    (["lavrov"], ["لافروف"]),
    (["erdogan", "erdoğan"], ["أردوغان"]),
    (["assad"], ["الأسد"]),
    (["macron"], ["ماكرون"]),
    (["merkel"], ["ميركل"]),
    (["netanyahu"], ["نتنياهو"]),
    (["rouhani"], ["روحاني"]),
    (["khamenei"], ["خامنئي"]),
    (["zarif"], ["ظريف"]),
    (["sisi"], ["السيسي"]),
    (["obama"], ["أوباما"]),
    (["biden"], ["بايدن"]),
    (["pompeo"], ["بومبيو"]),
    (["tillerson"], ["تيلرسون"]),
    (["bolton"], ["بولتون"]),
    (["mattis"], ["ماتيس"]),
    (["kushner"], ["كوشنر"]),
    (["guterres"], ["غوتيريش"]),
    (["de mistura"], ["دي ميستورا"]),
    (["kim jong un", "kim jong-un"], ["كيم جونغ أون"]),
    (["xi jinping"], ["شي جين بينغ"]),
    (["theresa may"], ["تيريزا ماي"]),
    (["boris johnson"], ["بوريس جونسون"]),
    (["khashoggi"], ["خاشقجي"]),
    (["hariri"], ["الحريري"]),
    (["nasrallah"], ["نصر الله"]),
    (["haftar", "hifter"], ["حفتر"]),
    (["sarraj"], ["السراج"]),
    (["mahmoud abbas"], ["محمود عباس"]),
    (["bin salman"], ["بن سلمان"]),
    (["modi"], ["مودي"]),
    (["maduro"], ["مادورو"]),
    (["zelensky", "zelenskyy"], ["زيلينسكي"]),
    (["ronaldo"], ["رونالدو"]),
    (["messi"], ["ميسي"]),
    (["zidane"], ["زيدان"]),
    (["musk"], ["ماسك"]),
    (["zuckerberg"], ["زوكربيرغ", "زوكربيرج"]),
    # organisations
    (["nato"], ["الناتو", "حلف شمال الأطلسي"]),
    (["united nations"], ["الأمم المتحدة"]),
    (["unesco"], ["اليونسكو"]),
    (["unicef"], ["اليونيسف"]),
    (["opec"], ["أوبك"]),
    (["fifa"], ["فيفا"]),
    (["european union"], ["الاتحاد الأوروبي"]),
    (["arab league"], ["الجامعة العربية"]),
    (["hamas"], ["حماس"]),
    (["hezbollah", "hizbollah"], ["حزب الله"]),
    (["houthis", "houthi"], ["الحوثيين", "الحوثي"]),
    (["isis", "isil", "daesh"], ["داعش"]),
    (["taliban"], ["طالبان"]),
    (["al qaeda", "al-qaeda"], ["القاعدة"]),
    (["google"], ["غوغل", "جوجل"]),
    (["facebook"], ["فيسبوك", "فيس بوك"]),
    (["twitter"], ["تويتر"]),
    (["apple"], ["أبل", "آبل"]),
    (["microsoft"], ["مايكروسوفت"]),
    (["amazon"], ["أمازون"]),
    (["tesla"], ["تسلا"]),
    (["aramco"], ["أرامكو"]),
    (["samsung"], ["سامسونغ", "سامسونج"]),
    (["huawei"], ["هواوي"]),
    (["toyota"], ["تويوتا"]),
    (["boeing"], ["بوينغ", "بوينج"]),
    (["airbus"], ["إيرباص"]),
    (["uber"], ["أوبر"]),
    (["netflix"], ["نتفليكس"]),
    (["youtube"], ["يوتيوب"]),
    (["instagram"], ["إنستغرام", "انستغرام"]),
    (["whatsapp"], ["واتساب"]),
    (["bitcoin"], ["بيتكوين"]),
    # sport
    (["mohamed salah", "mo salah"], ["محمد صلاح"]),
    (["neymar"], ["نيمار"]),
    (["mbappe", "mbappé"], ["مبابي"]),
    (["liverpool"], ["ليفربول"]),
    (["barcelona", "barca"], ["برشلونة"]),
    (["real madrid"], ["ريال مدريد"]),
    (["manchester united"], ["مانشستر يونايتد"]),
    (["manchester city"], ["مانشستر سيتي"]),
    (["chelsea"], ["تشيلسي"]),
    (["arsenal"], ["آرسنال", "أرسنال"]),
    (["tottenham"], ["توتنهام"]),
    (["juventus"], ["يوفنتوس"]),
    (["bayern munich", "bayern"], ["بايرن ميونخ"]),
    (["paris saint-germain", "psg"], ["باريس سان جيرمان"]),
    (["atletico madrid"], ["أتلتيكو مدريد"]),
    (["al ahly", "al-ahly"], ["الأهلي"]),
    (["zamalek"], ["الزمالك"]),
    (["premier league"], ["الدوري الإنجليزي الممتاز"]),
    (["champions league"], ["دوري أبطال أوروبا"]),
    (["world cup"], ["كأس العالم"]),
    (["olympics"], ["الألعاب الأولمبية"]),
]


def _country_latin(code: str) -> list[str]:
    country = pycountry.countries.get(alpha_2=code)
    forms = list(COUNTRY_LATIN.get(code, []))
    if country is not None:
        for attr in ("common_name", "name", "official_name"):
            value = getattr(country, attr, None)
            # "Iran, Islamic Republic of": the inverted form is no one's spelling
            if value and "," not in value:
                forms.append(value)
    return forms


def alias_sets() -> list[tuple[list[str], list[str]]]:
    """(Latin forms, Arabic forms) for every country of the gazetteer, then the hand list."""
    sets: list[tuple[list[str], list[str]]] = []
    for place in json.loads(PLACES.read_text(encoding="utf-8")):
        if place["kind"] != "country":
            continue
        sets.append((_country_latin(place["code"]), list(place["aliases"])))
    sets.extend(NAMES)
    return sets


def synonym_rules() -> list[str]:
    """Solr-format rules ``"lavrov => لافروف"``, sorted, one per name.

    One way, Latin to Arabic, and to the name news uses (the first Arabic form: ``السعودية``, not
    ``المملكة العربية السعودية``; ``الولايات المتحدة``), plus other spellings only when all are single
    words (``سوريا, سورية``): the clitic forms after the synonym filter stack variants on each
    token, which garbles the positions of a graph whose paths differ in length, and a phrase
    built from a garbled graph matches nothing. Latin-script text is still found through the
    ``.exact`` subfields (no aliases there).
    """
    rules = set()
    for latin, arabic in alias_sets():
        latin_forms = sorted({form.lower() for form in latin} - LATIN_STOP)
        forms = list(dict.fromkeys(arabic))
        # the first form is the one news uses; other spellings only if all are single words
        targets = forms[:1] if " " in forms[0] else [f for f in forms if " " not in f]
        if latin_forms and targets:
            rules.add(f"{', '.join(latin_forms)} => {', '.join(targets)}")
    return sorted(rules)


def render() -> str:
    header = (
        "# Latin <-> Arabic names for search, built by `python -m pipelines.elastic.aliases`; do not edit.\n"
    )
    return header + "".join(rule + "\n" for rule in synonym_rules())


def load_rules(path: Path = OUTPUT) -> list[str]:
    return [
        line.strip()
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]


if __name__ == "__main__":
    OUTPUT.write_text(render(), encoding="utf-8")
    print(f"{len(synonym_rules())} rules -> {OUTPUT}")  # noqa: T201 (a build script's output)

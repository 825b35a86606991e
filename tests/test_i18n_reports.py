"""Portuguese and French from validation to the country report, and the shipped translations.

Validate, score and report the shipped sample (sample_data/values_sample.csv, Peru) in pt and fr:
the translated labels and indicator texts appear, no English label is left where a translation
exists, and the page says that the indicator texts are this project's translation, not the
official OAS text. The Word document fixes its column widths so that long labels wrap.

Sources of truth: the locale catalogs (locale/<lang>/*.yaml) and the translation files of the
definitions (definitions/<system>/translations/<lang>.yaml); English is the reference for what
must be translated.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pandas as pd
import pytest

import indicators as ind
from indicators.errors import DefinitionError
from indicators.i18n import message

PAGES = {"pt": "Perfil do país: Peru", "fr": "Profil de pays : Pérou"}


@pytest.fixture(scope="module")
def per() -> pd.DataFrame:
    values = ind.read(str(ind.sample_data("values_sample.csv")))
    return values[values["country"].isin(["PER", "MEX", "ARG"])].reset_index(drop=True)


@pytest.fixture(scope="module")
def cat() -> ind.Catalog:
    return ind.load_catalog("mesecvi")


def _text(page: str) -> str:
    """The visible text of an HTML page (tags, scripts and styles removed, entities decoded)."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


@pytest.mark.parametrize("lang", ["pt", "fr"])
def test_validate_score_and_report_speak_the_language(per: pd.DataFrame, cat: ind.Catalog, lang: str,
                                                       tmp_path: Path) -> None:
    checked = ind.validate(per, cat, lang=lang)
    assert checked.ok
    summary = checked.summary()
    assert message("validation.ui.valid", lang) in summary
    scores = ind.score(checked.accepted, "mesecvi", cat, draws=20, seed=1, lang=lang)
    report = ind.country_report(checked.accepted, cat, country="PER", lang=lang, scores=scores,
                                validation=checked)
    text = _text(report.to_html())
    assert PAGES[lang] in text
    for area in cat.areas:
        assert area.name(lang) in text, area.id
    shown = [i for i in cat if i.id in set(per.loc[per["country"] == "PER", "indicator"])]
    assert shown
    for indicator in shown:
        assert indicator.title(lang) != indicator.title("en")
        assert indicator.title(lang) in text, indicator.id
        assert indicator.title("en") not in text, f"English title of {indicator.id} left on the page"
    # every report label that differs from English appears translated, never in English
    english = {k: v for k, v in _labels("en").items() if len(v) > 12}
    translated = _labels(lang)
    leaks = [k for k, v in english.items() if translated[k] != v and v in text]
    assert not leaks, f"English labels on the {lang} page: {leaks}"
    # the indicator texts are marked as this project's translation
    note = cat.translation(lang)
    assert note is not None and note["official"] is False
    assert " ".join(note["note"].split()) in " ".join(text.split())
    assert message("report.meta.texts_translated", lang, translator="belem-indicators") in text


def _labels(lang: str) -> dict[str, str]:
    """Report labels without fields: the texts that appear on a page as they are."""
    from importlib import resources

    import yaml

    folder = resources.files("indicators") / "locale" / lang
    data = yaml.safe_load((folder / "report.yaml").read_text(encoding="utf-8"))
    return {k: v for k, v in data.items() if "{" not in v and k.startswith(("report.section.", "report.col.",
                                                                          "report.table.", "report.note."))}


def test_english_and_spanish_texts_stay_official(cat: ind.Catalog) -> None:
    for lang in ("en", "es"):
        assert cat.translation(lang) is None  # type: ignore[arg-type]
    assert cat.translation("fr")["translated_by"] == "belem-indicators"  # type: ignore[index]


@pytest.mark.parametrize("system", ["mesecvi", "sisdehm"])
@pytest.mark.parametrize("lang", ["pt", "fr"])
def test_every_indicator_text_label_and_sign_is_translated(system: str, lang: str) -> None:
    cat = ind.load_catalog(system)
    missing = []
    for i in cat:
        missing += [f"{i.id} title"] * (lang not in i.titles) + [f"{i.id} definition"] * (lang not in i.definitions)
        missing += [f"{i.id} category {c['code']}" for c in i.categories if lang not in c["label"]]
        missing += [f"{i.id} unit label"] * bool(i.unit_labels and lang not in i.unit_labels)
        missing += [f"{i.id} source"] * sum(isinstance(s, dict) and lang not in s for s in i.sources)
    for s in cat.signs:
        missing += [f"{s.id} title"] * (lang not in s.titles)
        missing += [f"{s.id} description"] * bool(s.descriptions and lang not in s.descriptions)
    assert not missing, missing
    assert cat.translation(lang) is not None


def test_a_translation_of_an_unknown_indicator_is_refused(tmp_path: Path) -> None:
    from indicators.catalog._files import definitions_root

    source = definitions_root() / "mesecvi"
    folder = tmp_path / "mesecvi"
    for path in source.rglob("*.yaml"):
        target = folder / path.relative_to(source)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    pt = folder / "translations" / "pt.yaml"
    pt.write_text(pt.read_text(encoding="utf-8").replace("  MESECVI-LEG-S01:", "  MESECVI-LEG-S99:", 1),
                  encoding="utf-8")
    with pytest.raises(DefinitionError) as info:
        ind.load_catalog(str(folder))
    assert "pt.yaml" in str(info.value) and "MESECVI-LEG-S99" in str(info.value)
    pt.write_text(pt.read_text(encoding="utf-8").replace("official: false", "official: true", 1), encoding="utf-8")
    with pytest.raises(DefinitionError):
        ind.load_catalog(str(folder))


def test_word_tables_wrap_long_labels(per: pd.DataFrame, cat: ind.Catalog, tmp_path: Path) -> None:
    docx = pytest.importorskip("docx")
    report = ind.country_report(per, cat, country="PER", lang="fr")
    path = report.to_docx(tmp_path / "rapport.docx")
    document = docx.Document(str(path))
    section = document.sections[0]
    page = section.page_width - section.left_margin - section.right_margin
    wide = 0
    for table in document.tables:
        assert table.autofit is False
        widths = [c.width for c in table.columns]
        assert all(w and w > 0 for w in widths)
        assert sum(widths) <= page
        texts = [[cell.text for cell in row.cells] for row in table.rows]
        longest = max(range(len(widths)), key=lambda j: max(len(r[j]) for r in texts))
        if max(len(r[longest]) for r in texts) > 60:  # a column of long labels gets the most room
            wide += 1
            assert widths[longest] == max(widths)
    assert wide >= 1

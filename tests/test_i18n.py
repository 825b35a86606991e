"""Every message and label in every language: present, non-empty, with the English placeholders.

The English catalog (``locale/en/*.yaml``) is the reference: each of its codes must exist in
es, pt and fr, in the file of the same name, with exactly the same ``str.format`` fields
(names, conversions and format specs), and must render with every field filled. A language
that is not available is refused with an OptionError that lists the four languages.
"""

from __future__ import annotations

import re
import string
from importlib import resources
from typing import Any

import pandas as pd
import pytest
import yaml

import indicators as ind
from indicators.errors import OptionError
from indicators.i18n import LANGS, message

TRANSLATIONS = [lang for lang in LANGS if lang != "en"]


def _files(lang: str) -> dict[str, dict[str, str]]:
    folder = resources.files("indicators") / "locale" / lang
    out: dict[str, dict[str, str]] = {}
    for item in sorted(folder.iterdir(), key=lambda p: p.name):
        if item.name.endswith(".yaml"):
            data = yaml.safe_load(item.read_text(encoding="utf-8")) or {}
            out[item.name] = {str(k): v for k, v in data.items()}
    return out


def _fields(template: str) -> list[tuple[str, str | None, str]]:
    """The replacement fields of a template: (name, conversion, format spec), sorted."""
    return sorted({(name, conv, spec or "") for _lit, name, spec, conv in string.Formatter().parse(template)
                   if name is not None})


ENGLISH = _files("en")
CODES = sorted((name, code) for name, codes in ENGLISH.items() for code in codes)


def _base(name: str, code: str) -> str:
    """The English text whose fields ``code`` must have: a plural form (``<code>.plural.one``) has
    those of its code; ``<code>.plural`` names the field that chooses the form and has none."""
    if code.endswith(".plural"):
        return ""
    if ".plural." in code:
        return str(ENGLISH[name][code.split(".plural.")[0]])
    return str(ENGLISH[name][code])


def test_the_four_languages_are_available() -> None:
    assert LANGS == ("en", "es", "pt", "fr")
    for lang in LANGS:
        assert set(_files(lang)) == set(ENGLISH), f"{lang}: locale files differ from English"


@pytest.mark.parametrize("lang", TRANSLATIONS)
def test_every_code_is_translated_with_the_english_placeholders(lang: str) -> None:
    files = _files(lang)
    problems = []
    for name, code in CODES:
        english = ENGLISH[name][code]
        text = files.get(name, {}).get(code)
        if text is None:
            problems.append(f"{name}: {code} missing")
        elif not isinstance(text, str):
            problems.append(f"{name}: {code} is not a text")
        elif english.strip() and not text.strip():
            problems.append(f"{name}: {code} is empty")
        elif code.endswith(".plural") and text != english:
            problems.append(f"{name}: {code} names the field {text!r}, English {english!r}")
        elif _fields(text) != _fields(_base(name, code)):
            problems.append(f"{name}: {code} has fields {_fields(text)}, English has {_fields(_base(name, code))}")
    extra = sorted(f"{name}: {code}" for name, codes in files.items() for code in codes
                   if code not in ENGLISH.get(name, {}))
    assert not problems, "\n".join(problems)
    assert not extra, "codes with no English original:\n" + "\n".join(extra)


@pytest.mark.parametrize("lang", LANGS)
def test_every_message_renders_with_all_fields_filled(lang: str) -> None:
    for name, code in CODES:
        if ".plural" in code:
            continue  # plural forms are rendered through their code, with several numbers
        english = ENGLISH[name][code]
        values: dict[str, Any] = {f: f"<{f}>" for f, _c, _s in _fields(english)}
        plural = ENGLISH[name].get(f"{code}.plural")
        for count in ([0, 1, 2, 5] if plural else [None]):
            if plural:
                values[plural] = count
            text = message(code, lang, **values)
            assert not text.startswith(f"{code}:"), f"{lang} {code}: not found"
            left = re.findall(r"(?<!\{)\{[a-z_]+\}(?!\})", text)
            assert not left, f"{lang} {code}: unfilled fields {left} in {text!r}"
            for value in values.values():
                shown = str(value)
                assert shown in text or f"'{shown}'" in text, f"{lang} {code}: {shown} not shown in {text!r}"


@pytest.mark.parametrize("lang", LANGS)
def test_plural_forms_follow_the_languages_rules(lang: str) -> None:
    """CLDR's rules through Babel: French and Portuguese put 0 and 1 in the singular, English and
    Spanish only 1."""
    singular_zero = lang in ("fr", "pt")
    one = message("report.gaps.intro", lang, n=1, total=19)
    many = message("report.gaps.intro", lang, n=2, total=19)
    zero = message("report.gaps.intro", lang, n=0, total=19)
    assert one != many
    assert (zero.replace("0", "1", 1) == one) is singular_zero
    assert (zero.replace("0", "2", 1) == many) is not singular_zero


@pytest.mark.parametrize("lang", TRANSLATIONS)
def test_translations_are_not_english_copies(lang: str) -> None:
    """A translated file that repeats the English sentence is a missed translation (short labels aside)."""
    files = _files(lang)
    codes_only = {"validation.values.unknown_status.expected"}  # a list of status codes, the same everywhere
    same = [code for name, code in CODES if code not in codes_only
            and len(ENGLISH[name][code]) > 25 and files[name][code] == ENGLISH[name][code]]
    assert not same, f"{lang}: English left in {same}"


def _named_texts() -> list[tuple[str, str, dict[str, Any]]]:
    """Every label of the definitions' systems and codelists: (where, code, texts by language)."""
    out = []
    for system in ("mesecvi", "sisdehm"):
        cat = ind.load_catalog(system)
        out.append((system, "name", dict(cat.system.names)))
        out += [(system, f"area {a.id}", dict(a.names)) for a in cat.system.areas]
        out += [(system, f"type {k}", dict(v)) for k, v in cat.system.types.items()]
        out += [(system, f"category {k}", dict(v)) for k, v in cat.system.categories.items()]
    from indicators.catalog import codelist_ids, load_codelist

    for list_id in codelist_ids():
        if list_id == "subdivision":
            continue  # ISO 3166-2 names are proper names, the same in every language
        codelist = load_codelist(list_id)
        out.append((list_id, "name", dict(codelist.names)))
        out += [(list_id, str(c["code"]), dict(c["name"])) for c in codelist.codes]
    return out


def test_every_area_type_category_and_codelist_label_exists_in_every_language() -> None:
    missing = [f"{where} {code}: {lang}" for where, code, texts in _named_texts() for lang in LANGS
               if not str(texts.get(lang) or "").strip()]
    assert not missing, "\n".join(missing)


# -- unavailable languages -------------------------------------------------------------------------------------


def _refused(call: Any) -> str:
    with pytest.raises(OptionError) as info:
        call()
    text = str(info.value)
    for lang in LANGS:
        assert f"'{lang}'" in text, f"{lang} not listed in {text!r}"
    assert "'de'" in text
    return text


def test_an_unavailable_language_is_refused_everywhere() -> None:
    cat = ind.load_catalog("mesecvi")
    values = pd.DataFrame({"country": ["PER"], "year": [2022], "indicator": [cat.indicators[0].id],
                           "value": ["constitutional"]})
    _refused(lambda: ind.load_catalog("mesecvi").indicators[0].title("de"))  # type: ignore[arg-type]
    _refused(lambda: cat.to_frame(lang="de"))  # type: ignore[arg-type]
    _refused(lambda: ind.validate(values, cat, lang="de"))  # type: ignore[arg-type]
    _refused(lambda: ind.country_report(values, cat, country="PER", lang="de"))  # type: ignore[arg-type]
    _refused(lambda: ind.read(str(ind.sample_data("values_sample.csv")), lang="de"))  # type: ignore[arg-type]


def test_the_command_line_refuses_an_unavailable_language(capsys: pytest.CaptureFixture[str]) -> None:
    from indicators.cli import main

    assert main(["catalog", "list", "--lang", "de"]) == 2
    err = capsys.readouterr().err
    assert "de" in err and all(f"'{lang}'" in err for lang in LANGS)


@pytest.mark.parametrize("lang", LANGS)
def test_command_line_catalog_errors_speak_the_language(lang: str, capsys: pytest.CaptureFixture[str]) -> None:
    from indicators.cli import main

    assert main(["catalog", "show", "MESECVI-LEG-S1", "--lang", lang]) == 2
    err = capsys.readouterr().err
    assert message("cli.did_you_mean", lang, close="MESECVI-LEG-S1").split("MESECVI")[0].strip() in err
    assert err.strip().startswith(message("cli.unknown_indicator", lang, value="MESECVI-LEG-S1",
                                          catalog="", suggestion="").split("'MESECVI-LEG-S1'")[0])
    assert main(["catalog", "show", "--lang", lang]) == 2
    assert "MESECVI-" in capsys.readouterr().err

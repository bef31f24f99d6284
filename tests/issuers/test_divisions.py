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


MAINLAND_PROVINCES = {
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41",
    "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65",
}  # fmt: skip


@pytest.mark.django_db
def test_provinces_and_prefectures_have_chinese_and_english_names_and_parents():
    created = load_divisions()
    provinces = Division.objects.filter(level=Division.Level.PROVINCE)
    assert {p.code[:2] for p in provinces} == MAINLAND_PROVINCES
    assert all(p.code.endswith("0000") and p.parent is None for p in provinces)
    for division in Division.objects.exclude(level=Division.Level.COUNTY):
        assert division.name_zh and division.name_en, division.code
    prefectures = Division.objects.filter(level=Division.Level.PREFECTURE).select_related("parent")
    assert prefectures.count() == 333
    assert all(p.parent.code == p.province_code for p in prefectures)
    expected = {
        "330000": ("浙江省", "Zhejiang"),
        "330100": ("杭州市", "Hangzhou"),
        "440300": ("深圳市", "Shenzhen"),
        "460300": ("三沙市", "Sansha"),
    }
    for code, names in expected.items():
        division = Division.objects.get(code=code)
        assert (division.name_zh, division.name_en) == names
    xihu = Division.objects.get(code="330106")
    assert (xihu.name_zh, xihu.level, xihu.parent.code) == ("西湖区", "county", "330100")
    assert not Division.objects.filter(code__startswith="71").exists()
    assert not Division.objects.filter(code__startswith="81").exists()
    assert not Division.objects.filter(code__startswith="82").exists()

    rows = list(Division.objects.order_by("code").values_list())
    assert Division.objects.count() == created
    assert load_divisions() == 0
    assert list(Division.objects.order_by("code").values_list()) == rows


@pytest.mark.django_db
def test_may_apply_only_at_the_matching_level():
    load_divisions()
    at_level = {
        Division.Level.PROVINCE: Division.objects.get(code="330000"),
        Division.Level.PREFECTURE: Division.objects.get(code="330100"),
        Division.Level.COUNTY: Division.objects.get(code="330106"),
    }
    allowed = {
        (Department.Kind.PROVINCIAL, Division.Level.PROVINCE),
        (Department.Kind.MUNICIPAL, Division.Level.PREFECTURE),
    }
    for kind in Department.Kind.values:
        for level, division in at_level.items():
            department = Department(name=f"{kind} {level}", kind=kind, division=division)
            assert department.may_apply is ((kind, level) in allowed), (kind, level)
        assert Department(name=kind, kind=kind, division=None).may_apply is False


def test_municipal_bureaus_are_examined_by_their_own_province(personas):
    department = {name: user.membership.department for name, user in personas.items()}
    assert department["hangzhou"].examining_department() == department["zhejiang"]
    assert department["ningbo"].examining_department() == department["zhejiang"]
    assert department["shenzhen"].examining_department() == department["guangdong"]
    for name in ("zhejiang", "guangdong", "beijing", "ministry", "xihu"):
        assert department[name].examining_department() is None

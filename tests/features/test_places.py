import polars as pl
import pytest

from features.places import AreaMatcher

COUNTY, LIANTANG, DONGHU_VILLAGE, XIANGTANG, DONGHU_COMMUNITY = (
    "360121000000", "360121100000", "360121100201", "360121101000", "360121101202",
)


@pytest.fixture(scope="module")
def matcher():
    areas = pl.DataFrame(
        {
            "area_code": [COUNTY, LIANTANG, DONGHU_VILLAGE, XIANGTANG, DONGHU_COMMUNITY],
            "name": ["南昌县", "莲塘镇", "东湖村", "向塘镇", "东湖社区"],
            "level": [3, 4, 5, 4, 5],
            "parent_code": ["360100000000", COUNTY, LIANTANG, COUNTY, XIANGTANG],
        }
    )
    return AreaMatcher(areas)


@pytest.mark.parametrize(
    "texts, expected",
    [
        (("莲塘镇东湖村锦绣华庭",), DONGHU_VILLAGE),
        (("南昌县", "东湖社区3栋"), DONGHU_COMMUNITY),
        (("向塘镇东湖村",), XIANGTANG),  # the village belongs to another town: trust the town
        (("莲塘",), LIANTANG),  # unambiguous short form
        (("东湖",), None),  # 东湖 is both 东湖村 and 东湖社区
        (("没有地名", None, ""), None),
    ],
)
def test_resolve(matcher, texts, expected):
    assert matcher.resolve(*texts) == expected


@pytest.mark.parametrize(
    "county, town, village, expected",
    [
        ("南昌县", "莲塘镇", "东湖村", DONGHU_VILLAGE),
        ("", "向塘", "东湖", DONGHU_COMMUNITY),  # the town makes the short form 东湖 unambiguous
        ("", "", "东湖", COUNTY),  # two 东湖: their common parent
        ("南昌县", None, None, COUNTY),
        ("", "南昌县莲塘镇", "", LIANTANG),  # a cell holding more than one name
        (None, None, "不存在", None),
    ],
)
def test_resolve_names(matcher, county, town, village, expected):
    assert matcher.resolve_names(county, town, village) == expected


@pytest.mark.parametrize(
    "places, prose, expected",
    [
        ((), ("我家在莲塘住",), None),                      # a short form in prose: too often a common word
        ((), ("莲塘镇的东湖村",), DONGHU_VILLAGE),          # full names
        ((), ("南昌县莲塘的路灯坏了",), LIANTANG),          # a short form after one of ours
        ((), ("反映本县莲塘的问题",), LIANTANG),             # or after "this county"
        (("莲塘",), ("路灯坏了",), LIANTANG),               # a place cell's short form counts
        (("东湖社区",), ("讨薪",), DONGHU_COMMUNITY),
        # a name that directly follows another county's or town's name is that place's namesake
        # (seen on real message-board text: E7县城关工商所 read as the sample's 城关街道)
        ((), ("去了进贤县莲塘镇办执照",), None),
        ((), ("黄马乡东湖村的村民",), None),
        ((), ("新建县东湖村的村民说，东湖村的路",), None),   # and so is each later mention of it …
        ((), ("黄马乡东湖村的人来莲塘镇东湖村闹事",), DONGHU_VILLAGE),   # … but one after ours
        ((), ("新建县东湖村", "莲塘镇"), LIANTANG),          # the town is named on its own
        (("进贤县莲塘镇",), (), LIANTANG),                   # a place cell is trusted
        ((), ("进贤县莲塘镇东湖村",), None),                 # ours after another county is elsewhere too
        ((), ("太和县莲塘镇",), None),                       # 和 may end a county's name
        ((), ("，歙县莲塘镇的路",), None),                   # a one-character county
        ((), ("我们县莲塘镇",), LIANTANG),
        # … and ours before it, however written, or a word that only ends like a unit, does not count
        ((), ("南昌县莲塘镇东湖村",), DONGHU_VILLAGE),
        ((), ("江西省南昌市南昌县莲塘镇",), LIANTANG),
        ((), ("南昌县莲塘乡东湖村",), DONGHU_VILLAGE),      # 莲塘镇 written as a 乡
        ((), ("南昌区莲塘镇",), LIANTANG),                   # 区 is never read as a unit
        ((), ("南昌市东湖村",), DONGHU_VILLAGE),            # a city is never read as a unit
        ((), ("我的家乡东湖村的路坏了",), DONGHU_VILLAGE),
        ((), ("在县莲塘镇上班",), LIANTANG),
        ((), ("高新区东湖村",), DONGHU_VILLAGE),
        ((), ("锦绣小区东湖村",), DONGHU_VILLAGE),
    ],
)
def test_prose_names_a_place_by_its_full_name_or_after_one_of_ours(matcher, places, prose, expected):
    assert matcher.resolve(*places, prose=prose) == expected


def test_a_table_of_towns_reads_no_county_before_them():
    """With no county in the table, a county before one of its towns cannot be told from ours."""
    areas = pl.DataFrame({"area_code": ["1", "2"], "name": ["城关街道", "文昌社区"], "level": [4, 5],
                          "parent_code": [None, "1"]})
    assert AreaMatcher(areas).resolve(prose=("溪山县城关街道",)) == "1"
    assert AreaMatcher(areas).resolve(prose=("溪山县城关街道文昌社区",)) == "2"


def test_resolve_many(matcher):
    assert matcher.resolve_many([("东湖村",), ("东湖村",), (None,)]) == [DONGHU_VILLAGE, DONGHU_VILLAGE, None]


def test_known(matcher):
    assert matcher.known(DONGHU_VILLAGE) and not matcher.known("999999999999")


@pytest.mark.parametrize("county, outside", [
    ("青山县", True), ("西湖区", True), ("阿拉善左旗", True),   # another county: its 莲塘镇 is not ours
    ("南昌县", False), ("南昌", False), (" 南昌县 ", False),     # ours, fully or by its stem
    ("南昌市", False), ("K市", False), ("", False), (None, False), ("县", False)])  # not a county's name
def test_a_county_column_naming_another_county(matcher, county, outside):
    assert matcher.outside_county(county) is outside


def test_a_table_of_a_city_knows_its_districts_and_one_without_counties_knows_no_outside():
    city = AreaMatcher(pl.DataFrame({"area_code": ["1", "2", "3"], "name": ["K市", "西湖区", "滨江街道"],
                                     "level": [2, 3, 4], "parent_code": [None, "1", "2"]}))
    assert not city.outside_county("西湖区") and city.outside_county("东城区")
    towns = AreaMatcher(pl.DataFrame({"area_code": ["1"], "name": ["莲塘镇"], "level": [4], "parent_code": [None]}))
    assert not towns.outside_county("青山县")

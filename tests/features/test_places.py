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


def test_resolve_many(matcher):
    assert matcher.resolve_many([("东湖村",), ("东湖村",), (None,)]) == [DONGHU_VILLAGE, DONGHU_VILLAGE, None]


def test_known(matcher):
    assert matcher.known(DONGHU_VILLAGE) and not matcher.known("999999999999")

import pytest

from features.entities import amounts, head_counts, normalise_place, organisations, part_of_name, places


@pytest.mark.parametrize(
    "text, expected",
    [
        ("拖欠工资46800元", [46800.0]),
        ("还欠3万余元", [30000.0]),  # 余 gives the lower bound
        ("借了3.5万元和1,200元", [35000.0, 1200.0]),
        ("二十万元货款", [200000.0]),
        ("欠了十几万,", [100000.0]),  # no 元, but a sum in 万 is money
        ("两千多块钱", [2000.0]),
        ("上百万元", [1000000.0]),
        ("千万不要相信", []),  # 千万 = "by all means"
        ("3万平方米的厂房", []),  # 万 before a measure word is not money
        ("2025年1月13日,3栋2单元", []),
    ],
)
def test_amounts(text, expected):
    assert amounts(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("二十多名工人", [20]),
        ("32人到场,46户业主", [32, 46]),
        ("十几户业主", [10]),
        ("上百名投资人", [100]),
        ("第三人", []),  # a legal party, not a count
        ("接访32人次", []),  # visits, not people
    ],
)
def test_head_counts(text, expected):
    assert head_counts(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("我是锦绣华庭小区的业主", ["锦绣华庭小区"]),
        ("南昌县莲塘镇东湖村五组村民反映", ["东湖村五组"]),  # admin prefix cut, group kept
        ("我们小区物业不作为", []),  # no name at all
        ("在建筑工地干活", []),  # generic
        ("家住水乡花园", ["水乡花园"]),  # 乡 belongs to the name here
        # what a project does is no name (seen on real message-board text), a named project is
        ("A市轴承厂工矿棚户区改造项目地处黄兴镇", ["轴承厂"]),
        ("办理营业执照乱收费项目", []),
        ("东湖村道路硬化项目拖欠工程款", ["东湖村"]),
        ("城关村村口堆满垃圾", ["城关村"]),          # not 城关村村 (the board showed 云溪村村)
        ("云溪村村道路坑洼，村头的桥也坏了", ["云溪村"]),
        ("张家村外来务工人员多，王家村部分村民欠薪", ["张家村", "王家村"]),   # a name's own 村 before 外/部
        ("东湖村五组村道坑洼", ["东湖村五组"]),
        ("城南拆迁工地", []),
        ("民生项目", []),
        ("锦绣华庭二期项目停工", ["锦绣华庭二期项目"]),
        ("宏达汽车维修厂拖欠工资", ["宏达汽车维修厂"]),  # a firm's trade stays in its name
        ("新建村村民反映拖欠工资", ["新建村"]),           # before another suffix they are names
        ("惠民小区物业乱收费", ["惠民小区"]),
        ("新建小区没通水", []),
    ],
)
def test_places(text, expected):
    assert places(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("南昌鸿达建筑劳务有限公司拖欠工资", ["南昌鸿达建筑劳务有限公司"]),
        ("在鑫融宝理财平台投资", ["鑫融宝理财平台"]),
        ("该公司和物业公司都不管", []),
        ("东湖种养专业合作社", ["东湖种养专业合作社"]),
        ("顶楼住户把整栋楼的公共平台占了", []),  # a kind of platform, not a named one
        ("在政务服务平台上留言，鑫利通服务平台不给提现", ["鑫利通服务平台"]),
        ("改造公司拖欠工资，拆迁公司强拆，补贴平台骗钱", []),   # only what it does
        ("宏达拆迁公司拖欠工资", ["宏达拆迁公司"]),
    ],
)
def test_organisations(text, expected):
    assert organisations(text) == expected


@pytest.mark.parametrize("variant", ["锦绣华庭小区", "锦绣华庭二期", "锦绣华庭", "莲塘镇锦绣华庭二期项目"])
def test_place_variants_meet(variant):
    assert normalise_place(variant, areas=["南昌县", "莲塘镇"]) == "锦绣华庭"


def test_normalise_place_keeps_a_name_that_is_only_an_area():
    assert normalise_place("东湖村", areas=["东湖村"]) == "东湖村"


def test_normalise_place_strips_company_suffixes():
    assert normalise_place("鸿达建筑劳务有限公司") == "鸿达建筑劳务"


def test_named_in_reads_text_and_subject_and_leaves_out_areas_and_parts():
    from features.entities import named_in

    text = "东湖村五组村民反映，已通知项目负责人，鸿达建筑劳务有限公司拖欠工资"
    assert named_in(text, "溪山县鸿达建筑劳务有限公司", ["溪山县", "东湖村"]) == ["鸿达建筑劳务"]
    assert named_in("在博远五金加工厂上班，五金加工厂都停了", None, []) == ["博远五金加工厂"]


def test_escalation_words_are_found_once_each():
    from features.entities import escalation

    assert escalation("再不给钱就去堵路，拉横幅，还有人说要跳楼，堵路！") == ["堵路", "拉横幅", "跳楼"]
    assert escalation("楼上漏水，协商未果") == []


@pytest.mark.parametrize("term, names", [
    ("翡翠", ["翡翠湾花园"]), ("花园", ["春江花园"]), ("苑", ["福寿苑"]),   # a piece of a name
    ("春江花园", ["春江"]), ("金诚贷平台", ["金诚贷"]),                      # the name with more around it
    ("福寿康养老服务", ["福寿康养老"]), ("业主翡翠", ["翡翠湾花园"]),        # a word pair running into it
    ("翡翠", ["金鼎置业", "翡翠湾"]),                                       # any of several names
])
def test_a_term_that_only_repeats_a_name_is_part_of_it(term, names):
    assert part_of_name(term, names)


@pytest.mark.parametrize("term, names", [
    ("理财", ["鑫融宝理财平台"]), ("投资", ["鑫源投资咨询"]),   # a trade word inside a name still tells what
    ("养老项目", ["福寿康养老"]), ("停工业主", ["工业园公租房"]),
    ("交房", ["翡翠湾"]), ("拖欠工资", ["滨江一号"]), ("翡翠", []), ("翡翠", [None, ""]),
])
def test_a_term_that_says_what_is_not_part_of_a_name(term, names):
    assert not part_of_name(term, names)

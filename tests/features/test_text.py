import pytest

from features.text import content_hash, normalize


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("  拖欠  工资\n\t46800元 ", "拖欠 工资 46800元"),
        ("ＰＮＰ平台 P2P 理财", "pnp平台 p2p 理财"),  # full-width latin becomes ASCII, then lowercase
        ("４６８００元，３万", "46800元,3万"),  # full-width digits and comma
        ("拖\u200b欠\ufeff工资", "拖欠工资"),  # zero-width chars would split a word for jieba
        ("电话[手机号]、身份证[身份证号]。", "电话[手机号]、身份证[身份证号]。"),  # placeholders and 、。 kept
        ("业主\u3000反映", "业主 反映"),  # ideographic space
        ("", ""),
    ],
)
def test_normalize(raw, expected):
    assert normalize(raw) == expected


def test_normalize_does_not_fold_non_ascii_letters():
    assert normalize("İstanbul Ä") == "İstanbul Ä"


def test_content_hash_ignores_spacing_and_width():
    assert content_hash("拖欠 工资 ４６８００元") == content_hash("拖欠工资46800元")
    assert content_hash("拖欠工资 46800元") != content_hash("拖欠工资 46801元")


def test_content_hash_is_sha1_hex():
    assert len(content_hash("x")) == 40

"""The administrators' page (users and the audit log), and sign-in through an OIDC provider."""
from __future__ import annotations

from pipelines import reviews, users
from tests.dashboards.conftest import board


def test_an_admin_adds_a_user_and_sees_the_password_once(snapshot, people):
    at = board("admin", page="admin")
    at.text_input(key="new_username").input("zhangsan")
    at.text_input(key="new_name").input("张三")
    at.selectbox(key="new_role").set_value("analyst")
    at.button(key="add_user_submit").click().run()
    assert "已保存用户 zhangsan" in at.success[0].value and "初始密码" in at.success[0].value
    password = at.success[0].value.split("`")[1]
    assert users.verify("zhangsan", password).role == "analyst"
    assert "zhangsan" in at.dataframe[0].value["用户名"].tolist()


def test_an_admin_removes_a_user_but_not_themselves(snapshot, people):
    at = board("admin", page="admin")
    assert "admin" not in at.selectbox(key="remove_username").options
    at.selectbox(key="remove_username").set_value("leader").run()
    at.button(key="remove_user").click().run()
    assert users.get("leader") is None
    assert [(r["action"], r["target"]) for r in reviews.audit_log(1).iter_rows(named=True)] == [("user.remove", "leader")]


def test_the_audit_log_shows_who_did_what(snapshot, people):
    reviews.audit("analyst", "analyst", "review.confirm", "a1", {"note": "属实"})
    reviews.audit("leader", "leader", "sign_in")
    reviews.audit("nobody", None, "sign_in_failed")
    at = board("admin", page="admin")
    log = at.dataframe[1].value
    assert log[["用户", "角色", "操作", "对象"]].values.tolist()[:3] == [  # nothing missing shows as None
        ["nobody", "—", "登录失败", "—"], ["leader", "领导", "登录", "—"], ["analyst", "研判人员", "研判：确认预警", "a1"]]
    at.text_input(key="audit_user").input("analyst").run()
    assert set(at.dataframe[1].value["用户"]) == {"analyst"}


OIDC = {"auth": {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "s", "client_id": "c",
                 "client_secret": "x", "server_metadata_url": "https://idp.example/.well-known/openid-configuration"}}


def oidc_board(email: str | None):
    from streamlit.testing.v1 import AppTest

    from tests.dashboards.conftest import APP

    at = AppTest.from_file(str(APP), default_timeout=30)
    at.secrets = OIDC
    if email:
        at.user = {"is_logged_in": True, "email": email, "name": "李四"}
    return at.run()


def test_with_an_identity_provider_a_visitor_gets_its_sign_in_button(snapshot, people):
    at = oidc_board(None)
    assert [b.label for b in at.button] == ["使用统一身份认证登录"] and not at.text_input


def test_a_provider_signed_user_gets_the_role_the_users_file_gives_their_email(snapshot, people):
    users.add("lisi@example.gov.cn", "leader", oidc=True)
    at = oidc_board("LiSi@example.gov.cn")
    assert at.title[0].value == "风险热点"
    assert reviews.audit_log(1).select("username", "action").row(0) == ("lisi@example.gov.cn", "sign_in")


def test_a_provider_signed_user_without_a_role_sees_nothing(snapshot, people, masked_text):
    at = oidc_board("stranger@example.com")
    assert "尚未开通看板权限" in at.warning[0].value and not at.dataframe

"""The administrators' page (users and the audit log), and sign-in through an OIDC provider."""
from __future__ import annotations

import io
import re

import polars as pl
from streamlit.runtime.media_file_manager import MediaFileManager

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
    assert at.text_input(key="new_username").value == ""    # emptied for the next one
    at.text_input(key="new_username").input("zhangsan")     # a reset says so, and keeps the name
    at.checkbox(key="new_replace").check()
    at.button(key="add_user_submit").click().run()
    assert "已重置用户 zhangsan" in at.success[0].value and "新密码" in at.success[0].value
    assert users.get("zhangsan").name == "张三"


def test_a_user_that_cannot_be_added_is_refused_in_chinese_and_the_form_keeps_it(snapshot, people):
    at = board("admin", page="admin")
    at.text_input(key="new_username").input("zhang san")
    at.text_input(key="new_name").input("张三")
    at.button(key="add_user_submit").click().run()
    assert at.error[0].value.startswith("用户名「zhang san」不可用：应为 2–64 个英文字母")
    assert (at.text_input(key="new_username").value, at.text_input(key="new_name").value) == ("zhang san", "张三")
    at.text_input(key="new_username").input("leader")
    at.button(key="add_user_submit").click().run()
    assert at.error[0].value == "用户 leader 已存在；要重置其角色和密码，请勾选「用户已存在时重置其角色和密码」"
    assert users.get("leader").role == "leader"


def test_an_admin_removes_a_user_but_not_themselves(snapshot, people):
    at = board("admin", page="admin")
    assert "admin" not in at.selectbox(key="remove_username").options
    at.selectbox(key="remove_username").set_value("leader").run()
    assert at.button(key="remove_user").disabled          # one click removes no one: confirmed first
    at.checkbox(key="remove_confirm:leader").check().run()
    at.selectbox(key="remove_username").set_value("analyst").run()   # ticked for leader, not for analyst
    assert at.button(key="remove_user").disabled
    at.selectbox(key="remove_username").set_value("leader").run()
    at.checkbox(key="remove_confirm:leader").check().run()
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


def test_the_audit_log_names_every_action_and_reads_its_details_in_chinese(snapshot, people, monkeypatch):
    files = []
    add = MediaFileManager.add
    monkeypatch.setattr(MediaFileManager, "add", lambda self, data, mime, *a, **k: files.append(data) or add(self, data, mime, *a, **k))
    reviews.audit("data_staff", "data_staff", "job.retrain", None, {"job_id": 3, "argv": ["retrain"]})
    reviews.audit("data_staff", "data_staff", "job.retrain.finished", None, {"job_id": 3, "returncode": 1})
    reviews.audit("data_staff", "data_staff", "label.correct", "hotline:GD1", {"labels": [], "note": ""})
    reviews.audit("admin", "admin", "audit.export")
    reviews.audit("leader", "leader", "access_denied", "queue")
    log = board("admin", page="admin").dataframe[1].value
    assert log[["操作", "对象", "详情"]].values.tolist()[:5] == [
        ["越权访问被拒", "研判工作台", ""],
        ["导出审计日志", "—", ""],
        ["标签修正", "hotline:GD1", "修正为：均不属于"],
        ["任务结束：重新训练模型", "—", "任务编号：3；结果：失败（退出码 1）"],
        ["提交任务：重新训练模型", "—", "任务编号：3；命令：shaobing retrain"]]
    assert not [a for a in log["操作"] if re.search("[a-z]", a)]  # no code left untranslated
    csv = pl.read_csv(io.BytesIO(files[-1]))  # for other programs: the codes, with their names beside
    assert csv.select("action", "action_name").rows()[:2] == [("access_denied", "越权访问被拒"), ("audit.export", "导出审计日志")]


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

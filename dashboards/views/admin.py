"""用户与审计 — the administrators' page: who may sign in and in which role, and the audit log
(who did what, when: sign-ins, reviews, label corrections, model actions, downloads, user changes)."""
from __future__ import annotations

import json

import polars as pl
import streamlit as st

from dashboards import auth, common, names
from pipelines import jobs, reviews, users

user = auth.require("admin")
# every action the board, the CLI and the jobs audit
ACTION_NAMES = {
    "sign_in": "登录", "sign_in_failed": "登录失败", "sign_in_locked": "登录被锁定", "sign_out": "退出",
    "session_expired": "会话过期", "session_resumed": "恢复登录（刷新或新开页面）", "access_denied": "越权访问被拒",
    "brief.download": "下载简报",
    "label.correct": "标签修正", "user.add": "添加/重置用户", "user.remove": "删除用户", "audit.export": "导出审计日志",
    **{f"review.{k}": f"研判：{a.name}" for k, a in reviews.ACTIONS.items()},
    **{f"job.{k}": f"提交任务：{name}" for k, name in jobs.KINDS.items()},
    **{f"job.{k}.finished": f"任务结束：{name}" for k, name in jobs.KINDS.items()},
}
# what an entry's details say, key by key: (name, how its value reads)
DETAILS = {
    "via": ("登录方式", lambda v: "统一身份认证" if v == "oidc" else str(v)),
    "role": ("角色", names.role_name), "oidc": ("统一身份认证", lambda v: "是"), "replace": ("重置已有用户", lambda v: "是"),
    "demo": ("演示用户", lambda v: "是"), "scope": ("范围", str), "note": ("备注", str),
    "labels": ("修正为", lambda v: "、".join(map(names.category_name, v)) or "均不属于"),
    "job_id": ("任务编号", str), "argv": ("命令", lambda v: " ".join(["shaobing", *v])),
    "returncode": ("结果", lambda v: "成功" if v == 0 else f"失败（退出码 {v}）"),
    "from": ("原状态", names.status_name), "to": ("新状态", names.status_name), "reason": ("排除原因", names.reason_name),
    "merge_into": ("合并到", str), "department": ("交办部门", str), "due_date": ("办理期限", str),
}


def _add_user() -> None:
    s = st.session_state
    existed_before = users.get((s.get("new_username") or "").strip()) is not None
    try:
        password = users.add(s.get("new_username", ""), s.get("new_role"), None, s.get("new_name") or None,
                             replace=bool(s.get("new_replace")), oidc=bool(s.get("new_oidc")))
    except users.UserError as exc:
        s["admin_error"] = exc.chinese   # the form keeps what was typed, to be mended
        return
    reviews.audit(user.username, user.role, "user.add", s["new_username"].strip(),
                  {"role": s["new_role"], "oidc": bool(s.get("new_oidc")), "replace": bool(s.get("new_replace"))})
    existed = bool(s.get("new_replace")) and existed_before
    s["admin_done"] = (f"已{'重置' if existed else '保存'}用户 {s['new_username'].strip()}。" +
                       (f"{'新' if existed else '初始'}密码：`{password}`（只显示这一次，请安全转交）" if password else ""))
    # set, not popped: a popped key left the browser showing the old name and a ticked box, while the
    # server read them empty, so the next 保存 was refused as "exists already" (or reset a password again)
    s.update(new_username="", new_name="", new_oidc=False, new_replace=False)


def _remove_user(username: str | None) -> None:
    if not username or username == user.username:
        st.session_state["admin_error"] = "请选择要删除的用户（不能删除自己）。"
        return
    try:
        users.remove(username)
    except users.UserError as exc:
        st.session_state["admin_error"] = exc.chinese
        return
    st.session_state.pop(f"remove_confirm:{username}", None)
    reviews.audit(user.username, user.role, "user.remove", username)
    st.session_state["admin_done"] = f"已删除用户 {username}，其已登录的会话在下一次操作时结束。"


def users_section() -> None:
    if msg := st.session_state.pop("admin_done", None):
        st.success(msg)
    if msg := st.session_state.pop("admin_error", None):
        st.error(msg)
    everyone = users.list_users()
    st.dataframe(pl.DataFrame([{"用户名": u.username, "姓名": u.name, "角色": names.role_name(u.role),
                                "登录方式": "统一身份认证" if u.oidc else "密码", "创建时间": str(u.created_at or "").replace("T", " ")[:16]}
                               for u in everyone]), key="users", hide_index=True)
    left, right = st.columns(2)
    with left.form("add_user"):   # emptied once a user is saved (_add_user), kept when refused
        st.markdown("**添加用户或重置密码**")
        st.text_input("用户名（统一身份认证用户填邮箱）", key="new_username")
        st.text_input("姓名", key="new_name")
        st.selectbox("角色", list(users.ROLES), format_func=names.role_name, key="new_role")
        st.checkbox("统一身份认证（OIDC）用户，不设密码", key="new_oidc")
        st.checkbox("用户已存在时重置其角色和密码", key="new_replace")
        st.form_submit_button("保存", type="primary", key="add_user_submit", on_click=_add_user)
    with right:
        st.markdown("**删除用户**")
        others = [u.username for u in everyone if u.username != user.username]
        gone = st.selectbox("用户", others, key="remove_username", index=None, placeholder="选择用户")
        # one confirmation per user: ticked for one, it does not remove another picked after
        sure = st.checkbox("确认删除该用户（其已登录的会话随之结束）", key=f"remove_confirm:{gone}", disabled=gone is None)
        st.button("删除", key="remove_user", on_click=_remove_user, args=(gone,), disabled=gone is None or not sure)


def audit_section() -> None:
    st.subheader("审计日志")
    c1, c2 = st.columns(2)
    who = c1.text_input("用户名", key="audit_user", placeholder="全部用户").strip() or None
    kinds = sorted(ACTION_NAMES)
    what = c2.selectbox("操作", kinds, format_func=ACTION_NAMES.get, key="audit_action", index=None,
                        placeholder="全部操作")
    log = reviews.audit_log(1000, who, what)
    st.dataframe(common.dashes(log.select(
        pl.col("at").alias("时间"), pl.col("username").alias("用户"),
        pl.col("role").map_elements(names.role_name, return_dtype=pl.String).alias("角色"),
        pl.col("action").map_elements(lambda a: ACTION_NAMES.get(a, a), return_dtype=pl.String).alias("操作"),
        pl.when(pl.col("action") == "access_denied").then(pl.col("target").replace(auth.PAGE_TITLES))
          .otherwise(pl.col("target")).alias("对象"),
        pl.col("detail").map_elements(_detail, return_dtype=pl.String).alias("详情")), "角色", "对象"),
        key="audit", hide_index=True, column_config={"详情": st.column_config.TextColumn(width="large")})
    # for other programs: the codes as stored, with the action's name beside its code
    csv = log.with_columns(pl.col("action").replace(ACTION_NAMES).alias("action_name")).select(
        "audit_id", "at", "username", "role", "action", "action_name", "target", "detail")
    st.download_button("导出审计日志（CSV）", csv.write_csv().encode("utf-8-sig"), file_name="audit.csv",
                       mime="text/csv", key="audit_csv", on_click=reviews.audit,
                       args=(user.username, user.role, "audit.export"))


def _detail(text: str | None) -> str:
    try:
        data = json.loads(text or "{}")
    except ValueError:
        return text or ""
    shown = [(k, v) for k, v in data.items() if v not in (None, "", False) or k == "labels"]  # no labels: 均不属于
    return "；".join(f"{DETAILS[k][0]}：{DETAILS[k][1](v)}" if k in DETAILS else f"{k}：{v}" for k, v in shown)


st.title("用户与审计")
users_section()
audit_section()

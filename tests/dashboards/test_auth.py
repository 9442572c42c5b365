"""Sign-in, roles and sign-out, through AppTest: a visitor sees the sign-in form and nothing else,
each role gets its own pages, and each page checks the role on the server."""
from __future__ import annotations

import time

import pytest
from streamlit.testing.v1 import AppTest

from dashboards import auth
from pipelines import reviews, users
from tests.dashboards.conftest import APP, PASSWORD, board, everything_shown, page_alone


def sign_in(at, username: str, password: str):
    at.text_input(key="sign_in_user").input(username)
    at.text_input(key="sign_in_password").input(password)
    return at.button(key="sign_in_submit").click().run()


def actions() -> list[tuple[str, str]]:
    return [(r["username"], r["action"]) for r in reviews.audit_log().iter_rows(named=True)][::-1]


def test_a_visitor_sees_only_the_sign_in_form(snapshot, people, masked_text):
    at = board()
    assert not at.exception
    assert [t.value for t in at.title] == ["哨兵 · 风险预警"]
    assert [t.label for t in at.text_input] == ["用户名", "密码"]
    assert not at.dataframe and not at.metric and not at.get("vega_lite_chart") and not at.sidebar.button
    assert masked_text not in everything_shown(at)


@pytest.mark.parametrize("page", ["hotspots", "queue", "data", "admin"])
def test_a_visitor_opening_a_pages_address_is_asked_to_sign_in(snapshot, page, masked_text):
    at = page_alone(page, None)
    assert [e.value for e in at.error] == ["请先登录。"]
    assert not at.dataframe and not at.metric and masked_text not in everything_shown(at)


@pytest.mark.parametrize("page", ["hotspots", "queue", "data", "admin"])
def test_a_freshly_started_board_answers_a_pages_address_with_the_sign_in_form(snapshot, page):
    # the first run of a server process, before any st.navigation call: a folder named pages/
    # beside app.py would be served as pages of their own, each file run alone
    at = AppTest.from_file(str(APP), default_timeout=30).switch_page(f"views/{page}.py").run()
    assert [t.label for t in at.text_input] == ["用户名", "密码"] and not at.error


@pytest.mark.parametrize("role, title", [
    ("leader", "风险热点"), ("analyst", "研判工作台"), ("data_staff", "数据与模型"), ("admin", "研判工作台")])
def test_signing_in_opens_the_start_page_of_ones_role(snapshot, people, role, title):
    at = sign_in(board(), role, PASSWORD)
    assert not at.exception and not at.error
    assert [t.value for t in at.title] == [title]
    assert actions() == [(role, "sign_in")]


def test_a_wrong_password_is_refused_and_audited(snapshot, people):
    at = sign_in(board(), "analyst", "not-the-password")
    assert [e.value for e in at.error] == ["用户名或密码错误。"]
    assert [t.label for t in at.text_input] == ["用户名", "密码"]
    assert actions() == [("analyst", "sign_in_failed")]


def test_an_unknown_name_gets_the_same_answer_as_a_wrong_password(snapshot, people):
    at = sign_in(board(), "nobody", PASSWORD)
    assert [e.value for e in at.error] == ["用户名或密码错误。"]


def test_a_name_is_locked_after_repeated_failures_even_for_the_right_password(snapshot, people):
    for _ in range(auth.MAX_FAILURES):
        reviews.audit("analyst", None, "sign_in_failed")
    at = sign_in(board(), "analyst", PASSWORD)
    assert "锁定" in at.error[0].value
    assert at.title[0].value == "哨兵 · 风险预警" and not at.dataframe


@pytest.mark.parametrize("page", ["queue", "data", "admin"])
def test_a_leader_opening_another_pages_file_is_refused_on_the_server(snapshot, people, page, masked_text):
    at = page_alone(page, "leader")
    assert [e.value for e in at.error] == [f"您没有访问「{auth.PAGE_TITLES[page]}」的权限。"]
    assert not at.dataframe and masked_text not in everything_shown(at)
    assert actions() == [("leader", "access_denied")]


START_TITLES = {"leader": "风险热点", "analyst": "研判工作台", "data_staff": "数据与模型", "admin": "研判工作台"}


@pytest.mark.parametrize("role, allowed", [
    ("leader", {"hotspots"}),
    ("analyst", {"queue", "hotspots"}),
    ("data_staff", {"data", "hotspots"}),
    ("admin", {"queue", "hotspots", "data", "admin"}),
])
def test_each_role_opens_its_own_pages_and_is_refused_the_others_at_their_address(snapshot, people, role, allowed):
    for page in ("hotspots", "queue", "data", "admin"):
        at = board(role, page)  # switch_page: what a typed address asks of st.navigation
        assert not at.exception, page
        if page in allowed:
            assert not at.error and at.title[0].value == auth.PAGE_TITLES[page], page
        else:  # the refusal, above the start page rather than instead of it
            assert [e.value for e in at.error] == [f"您没有访问「{auth.PAGE_TITLES[page]}」的权限。如需使用，请联系系统管理员。"]
            assert [t.value for t in at.title] == [START_TITLES[role]]
            last = reviews.audit_log().row(0, named=True)
            assert (last["username"], last["action"], last["target"]) == (role, "access_denied", page)
    assert [a for _, a in actions()].count("access_denied") == 4 - len(allowed)


def test_a_refusal_is_shown_once_and_the_next_click_stays_on_the_start_page(snapshot, people):
    at = board("leader", "queue")
    assert at.error and at.title[0].value == "风险热点"
    at.switch_page("views/hotspots.py").run()  # the browser now asks for the page it was sent to
    assert not at.error and at.title[0].value == "风险热点"
    assert [a for _, a in actions()] == ["access_denied"]


def test_signing_out_ends_the_session(snapshot, people):
    at = board("analyst")
    at.sidebar.button(key="sign_out").click().run()
    assert "auth" not in at.session_state and not at.dataframe and not at.sidebar.button
    assert [t.label for t in at.text_input] == ["用户名", "密码"] or [e.value for e in at.error] == ["请先登录。"]
    assert actions() == [("analyst", "sign_out")]


def test_a_removed_user_is_signed_out_at_their_next_click(snapshot, people):
    at = board("analyst")
    assert at.title[0].value == "研判工作台"
    users.remove("analyst")
    at.run()
    assert not at.dataframe and "auth" not in at.session_state


def test_a_changed_role_ends_the_session(snapshot, people):
    at = board("analyst")
    users.add("analyst", "leader", PASSWORD, replace=True)
    at.run()
    assert not at.dataframe and "auth" not in at.session_state


def test_a_session_lasts_at_most_its_hours(snapshot, people):
    at = board("analyst")
    at.session_state["auth"] = {**at.session_state["auth"], "since": time.time() - auth.SESSION_HOURS * 3600 - 1}
    at.run()
    assert not at.dataframe and "auth" not in at.session_state
    assert actions()[-1] == ("analyst", "session_expired")


# -- a remembered sign-in: a reload, a typed address or a new tab finds the user again -----------------
def browser_with(monkeypatch, token: str | None, page: str | None = None) -> AppTest:
    """A new browser session (a reload, a new tab) whose request carries the board's cookie ``token``."""
    monkeypatch.setattr(auth, "browser_cookie", lambda: token)
    at = AppTest.from_file(str(APP), default_timeout=30).run()
    if page:
        at.switch_page(f"views/{page}.py").run()
    return at


def test_a_reload_finds_the_signed_in_user_again_until_sign_out(snapshot, people, monkeypatch):
    at = sign_in(board(), "analyst", PASSWORD)
    token = at.session_state["auth"]["token"]
    assert len(token) >= 40 and token not in str(reviews.db_path().read_bytes())  # only its hash is kept
    again = browser_with(monkeypatch, token, "queue")
    assert not again.exception and [t.value for t in again.title] == ["研判工作台"]
    assert again.session_state["auth"]["username"] == "analyst"
    assert actions() == [("analyst", "sign_in"), ("analyst", "session_resumed")]
    again.sidebar.button(key="sign_out").click().run()
    assert [t.label for t in again.text_input] == ["用户名", "密码"]
    for tab in (at, browser_with(monkeypatch, token)):   # the tab it came from, and a reload after it
        tab.run()
        assert "auth" not in tab.session_state or tab.session_state["auth"].get("token") != token
        assert not tab.dataframe and [t.label for t in tab.text_input] == ["用户名", "密码"]


def test_a_remembered_sign_in_ends_with_a_reset_a_role_change_a_removal_or_its_deadline(snapshot, people, monkeypatch):
    tokens = {u: sign_in(board(), u, PASSWORD).session_state["auth"]["token"] for u in ("analyst", "leader", "admin")}
    assert browser_with(monkeypatch, tokens["analyst"]).title[0].value == "研判工作台"
    users.add("analyst", "analyst", "a-new-password-9", replace=True)      # reset: the old sign-in is over
    assert not browser_with(monkeypatch, tokens["analyst"]).dataframe
    assert reviews.resume_sign_in(tokens["analyst"]) is None               # ended on the server as well
    users.add("admin", "leader", PASSWORD, replace=True)                      # a role changed, same password
    assert not browser_with(monkeypatch, tokens["admin"]).sidebar.button
    users.add("admin", "admin", PASSWORD, replace=True)                       # and back: still over
    assert not browser_with(monkeypatch, tokens["admin"]).sidebar.button
    users.remove("leader")
    assert [t.label for t in browser_with(monkeypatch, tokens["leader"]).text_input] == ["用户名", "密码"]
    late = reviews.open_sign_in("data_staff", "data_staff", users.credential("data_staff"), hours=-1)
    assert reviews.resume_sign_in(late) is None
    assert [t.label for t in browser_with(monkeypatch, late).text_input] == ["用户名", "密码"]
    assert [t.label for t in browser_with(monkeypatch, "made-up-token").text_input] == ["用户名", "密码"]


def test_each_board_home_has_its_own_cookie(tmp_path, monkeypatch):
    names = set()
    for home in ("a", "b"):
        monkeypatch.setenv("SHAOBING_HOME", str(tmp_path / home))
        names.add(auth.cookie_name())
    assert len(names) == 2 and all(n.startswith("shaobing_") for n in names)

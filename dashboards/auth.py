"""Sign-in, roles and sign-out. Every page calls ``require`` with the roles it serves, on the server,
so a page left out of someone's menu is not reachable by typing its address either.

Two ways to sign in:
- built in (default): user name and password checked against ``$SHAOBING_HOME/users.json``
  (argon2id hashes; ``shaobing users add``); a name is locked for a while after repeated failures;
- an OIDC identity provider through Streamlit's ``st.login``, as soon as ``.streamlit/secrets.toml``
  has an ``[auth]`` section; the role still comes from the users file (``users add EMAIL --oidc``).

A built-in sign-in is remembered by the browser (a cookie holding a random token; the server keeps
only its hash, ``reviews.open_sign_in``), so a reload, a typed address or a new tab finds the user
again until the browser closes, the sign-in's deadline (``SESSION_HOURS`` after signing in) or
sign-out, which ends it on the server too. The page's own script sets the cookie, in a frame of an
HTML string (``st.iframe``, same-origin): Streamlit reads cookies (``st.context.cookies``) but has no
way to set one. Being set by script, the cookie cannot be HttpOnly: page scripts of the same host
name can read it, so a board should have a host name of its own (the board itself renders no
user-supplied HTML). It is a session cookie, ``SameSite=Strict``, ``Secure`` and ``__Host-`` over
https, and named after the board's home.

The signed-in user is checked against the users file on every run: removing a user, changing their
role or resetting their password takes effect at their next click. Sign-ins, resumed sign-ins,
failures, refusals and sign-outs are audited.
"""
from __future__ import annotations

import hashlib
import json
import time

import streamlit as st

from dashboards import names
from pipelines import reviews, settings, users

TITLE = "哨兵 · 风险预警"
SESSION_KEY = "auth"
MAX_FAILURES = 5      # failed sign-ins of one name …
LOCK_MINUTES = 15     # … within this window lock the name for the rest of it
SESSION_HOURS = 12    # a signed-in browser session lasts at most this long

# Which roles may open which page: the one table the menu and the server-side checks both use.
PAGE_ROLES = {
    "hotspots": ("leader", "analyst", "data_staff", "admin"),
    "queue": ("analyst", "admin"),
    "data": ("data_staff", "admin"),
    "admin": ("admin",),
}
PAGE_TITLES = {"hotspots": "风险热点", "queue": "研判工作台", "data": "数据与模型", "admin": "用户与审计"}
START = {"leader": "hotspots", "analyst": "queue", "data_staff": "data", "admin": "queue"}  # each role's first page
REFUSED_KEY = "_refused"  # the page just refused, for the start page to say so once
FORGET_KEY = "_forget_cookie"  # the token of a sign-in just ended: the sign-in page clears its cookie


def oidc_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all: Streamlit raises rather than answer False
        return False


def current_user() -> users.User | None:
    """The signed-in user as the users file says now, or None."""
    if oidc_configured():
        if not st.user.get("is_logged_in", False):
            return None
        user = users.by_email(st.user.get("email"))
        if user is not None and not st.session_state.get("_oidc_audited"):
            st.session_state["_oidc_audited"] = True  # once per browser session
            reviews.audit(user.username, user.role, "sign_in", None, {"via": "oidc"})
        return user
    session = st.session_state.get(SESSION_KEY)
    resumed = False
    if not session:
        session, resumed = _remembered(), True
    if not session:
        return None
    user = users.get(session["username"])
    if (user is None or user.role != session["role"] or user.oidc
            or user.credential != session.get("credential")):
        _end_session(session)  # removed, their role changed or their password reset: they sign in again
        return None
    if time.time() - session["since"] > SESSION_HOURS * 3600:
        reviews.audit(user.username, user.role, "session_expired")
        _end_session(session)
        return None
    if not resumed and session.get("token") and reviews.resume_sign_in(session["token"]) is None:
        _end_session(session)  # signed out in another tab of this browser: every tab is
        return None
    if resumed:
        reviews.audit(user.username, user.role, "session_resumed")
    return user


def cookie_name() -> str:
    """This board's cookie, named after its home so that two boards on one host name (other ports)
    do not take each other's for their own. Over https it carries the ``__Host-`` prefix (the browser
    then refuses one set for a parent domain, or without ``Secure``)."""
    return "shaobing_" + hashlib.sha256(str(settings.home().resolve()).encode()).hexdigest()[:12]


def browser_cookie() -> str | None:
    """This board's cookie as the browser sent it when the page was opened (None without one)."""
    for name in ("__Host-" + cookie_name(), cookie_name()):
        value = st.context.cookies.get(name)
        if isinstance(value, str) and value:
            return value
    return None


def _remembered() -> dict | None:
    """The session the browser's cookie stands for (a reload, a typed address, a new tab), if any."""
    token = browser_cookie()
    sign_in = reviews.resume_sign_in(token)
    if sign_in is None:
        return None
    session = {"username": sign_in.username, "role": sign_in.role, "since": sign_in.created_at,
               "credential": sign_in.credential, "token": token}
    st.session_state[SESSION_KEY] = session
    return session


def _cookie_script(body: str) -> None:
    """Run ``body`` in the page (a same-origin frame one pixel high) with ``name``, this board's cookie
    name, and ``attrs``, its attributes: a session cookie (gone when the browser closes, so a shared
    computer does not keep someone signed in), ``SameSite=Strict``, ``Secure`` over https. The same
    script draws the same frame, which Streamlit then leaves alone from one run to the next."""
    st.iframe("<script>const https = parent.location.protocol === 'https:';"
              f"const name = (https ? '__Host-' : '') + {json.dumps(cookie_name())};"
              "const attrs = '; path=/; SameSite=Strict' + (https ? '; Secure' : '');"
              f"{body}</script>", height=1)


def remember() -> None:
    """Keep the signed-in browser's cookie (drawn on every run of a signed-in page, in the sidebar)."""
    session = st.session_state.get(SESSION_KEY)
    if session and session.get("token"):
        _cookie_script(f"parent.document.cookie = name + '=' + {json.dumps(session['token'])} + attrs;")


def _forget(token: str) -> None:
    """Delete the browser's cookie if it still holds ``token``, a sign-in that has ended: another tab
    may have signed in since, and the cookie it set stays."""
    _cookie_script(f"if (parent.document.cookie.split('; ').includes(name + '=' + {json.dumps(token)}))"
                   " parent.document.cookie = name + '=; expires=Thu, 01 Jan 1970 00:00:00 GMT' + attrs;")


def require(page: str) -> users.User:
    """The signed-in user if their role may open ``page``; otherwise a refusal and the end of the run."""
    user = current_user()
    if user is not None and user.role in PAGE_ROLES[page]:
        return user
    if user is not None:
        reviews.audit(user.username, user.role, "access_denied", page)
        st.error(refusal(page))
    else:
        st.error("请先登录。")
    st.stop()


def refuse(user: users.User, page: str) -> None:
    """Audit that ``user`` was refused ``page`` and keep the refusal for the page they are sent to."""
    reviews.audit(user.username, user.role, "access_denied", page)
    st.session_state[REFUSED_KEY] = page


def refusal(page: str) -> str:
    return f"您没有访问「{PAGE_TITLES[page]}」的权限。"


def show_refusal() -> None:
    """The refusal of the page just asked for, once, above the page the user was sent to instead."""
    page = st.session_state.pop(REFUSED_KEY, None)
    if page is not None:
        st.error(refusal(page) + "如需使用，请联系系统管理员。", icon=":material/block:")


def _end_session(session: dict | None = None) -> None:
    """Forget everything of this browser session; with the ``session`` that ends, end its sign-in on
    the server too and have the sign-in page clear the browser's cookie."""
    for key in list(st.session_state.keys()):
        del st.session_state[key]
    if session is not None and session.get("token"):
        reviews.end_sign_in(session["token"])
        st.session_state[FORGET_KEY] = session["token"]


def sign_in_page() -> None:
    """The only page a visitor sees."""
    st.title(TITLE)
    if oidc_configured():
        _oidc_sign_in()
        return
    if ended := st.session_state.pop(FORGET_KEY, None) or browser_cookie():
        _forget(ended)  # signed out, expired, the user removed: nothing left for a reload to find
    left, _ = st.columns([2, 3])
    with left.form("sign_in", clear_on_submit=True):
        st.subheader("登录")
        username = st.text_input("用户名", key="sign_in_user")
        password = st.text_input("密码", type="password", key="sign_in_password")
        submitted = st.form_submit_button("登录", type="primary", key="sign_in_submit")
    if submitted:
        _attempt(username.strip(), password)
    left.caption("账号由系统管理员开通（`shaobing users add`）。忘记密码请联系管理员重置。")


def _attempt(username: str, password: str) -> None:
    if not username or not password:
        st.error("请输入用户名和密码。")
        return
    if reviews.recent_failures(username, LOCK_MINUTES) >= MAX_FAILURES:
        reviews.audit(username, None, "sign_in_locked")
        st.error(f"该账号登录失败次数过多，已暂时锁定，请 {LOCK_MINUTES} 分钟后再试。")
        return
    user = users.verify(username, password)
    if user is None:
        reviews.audit(username, None, "sign_in_failed")
        st.error("用户名或密码错误。")
        return
    _end_session()  # nothing of an earlier session carries over
    token = reviews.open_sign_in(user.username, user.role, user.credential, SESSION_HOURS)
    st.session_state[SESSION_KEY] = {"username": user.username, "role": user.role, "since": time.time(),
                                     "credential": user.credential, "token": token}
    reviews.audit(user.username, user.role, "sign_in")
    st.rerun()


def _oidc_sign_in() -> None:
    if not st.user.get("is_logged_in", False):
        st.subheader("登录")
        st.button("使用统一身份认证登录", type="primary", key="oidc_sign_in", on_click=st.login)
        return
    email = st.user.get("email") or "（未提供邮箱）"
    reviews.audit(str(email), None, "access_denied", "no role")
    st.warning(f"账号 {email} 尚未开通看板权限，请联系系统管理员（`shaobing users add {email} --role … --oidc`）。")
    st.button("退出登录", key="oidc_sign_out", on_click=st.logout)


def sign_out() -> None:
    """The sign-out button's callback: audit, forget the session (and the provider's cookie)."""
    session = st.session_state.get(SESSION_KEY) or {}  # before current_user, which may end it itself
    user = current_user()
    if user is not None:
        reviews.audit(user.username, user.role, "sign_out")
    _end_session(session)
    if oidc_configured():
        st.logout()


def sidebar(user: users.User) -> None:
    with st.sidebar:
        st.markdown(f"**{user.name}**  \n{names.role_name(user.role)}（{user.username}）")
        st.button("退出登录", key="sign_out", on_click=sign_out, icon=":material/logout:")
        remember()

"""哨兵 · 风险预警: the board, one page per kind of user, behind a sign-in.

Run from the repository root: ``shaobing board`` (or ``streamlit run dashboards/app.py``). A visitor
who has not signed in gets the sign-in form and nothing else; a signed-in user gets the pages of
their role (``auth.PAGE_ROLES``), and each page checks the role again on the server.
"""
from __future__ import annotations

import streamlit as st

from dashboards import auth

# page file, title, address, icon; each user's menu lists their own page first (their start page)
PAGES = {
    "queue": ("pages/queue.py", "研判工作台", "queue", ":material/fact_check:"),
    "hotspots": ("pages/hotspots.py", "风险热点", "hotspots", ":material/map:"),
    "data": ("pages/data.py", "数据与模型", "data", ":material/database:"),
    "admin": ("pages/admin.py", "用户与审计", "admin", ":material/admin_panel_settings:"),
}
START = {"leader": "hotspots", "analyst": "queue", "data_staff": "data", "admin": "queue"}


def menu(role: str) -> list:
    keys = [START[role]] + [k for k in PAGES if k != START[role] and role in auth.PAGE_ROLES[k]]
    return [st.Page(PAGES[k][0], title=PAGES[k][1], url_path=PAGES[k][2], icon=PAGES[k][3], default=i == 0)
            for i, k in enumerate(keys)]


def visitor_pages() -> list:
    """The sign-in form, at every page's address: a shared link opens its page once signed in."""
    def at(path: str):
        def sign_in() -> None:
            auth.sign_in_page()
        sign_in.__name__ = f"sign_in_{path}"
        return st.Page(sign_in, title="登录", url_path=path, default=path == "signin")
    return [at("signin")] + [at(v[2]) for v in PAGES.values()]


def main() -> None:
    # A traceback could quote data (a report's text in a failing value): details go to the server log only.
    st.set_option("client.showErrorDetails", "none")
    st.set_page_config(page_title=auth.TITLE, layout="wide", page_icon=":material/radar:")
    user = auth.current_user()
    if user is None:
        page = st.navigation(visitor_pages(), position="hidden")
    else:
        page = st.navigation(menu(user.role))
        auth.sidebar(user)
    page.run()


main()

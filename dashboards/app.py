"""哨兵 · 风险预警: the board, one page per kind of user, behind a sign-in.

Run from the repository root: ``shaobing board`` (or ``streamlit run dashboards/app.py``). A visitor
who has not signed in gets the sign-in form and nothing else; a signed-in user gets the pages of
their role (``auth.PAGE_ROLES``), and each page checks the role again on the server.
"""
from __future__ import annotations

import streamlit as st

from dashboards import auth

# page file and icon (titles in auth.PAGE_TITLES; each page's address is its key)
PAGES = {
    "queue": ("views/queue.py", ":material/fact_check:"),
    "hotspots": ("views/hotspots.py", ":material/map:"),
    "data": ("views/data.py", ":material/database:"),
    "admin": ("views/admin.py", ":material/admin_panel_settings:"),
}


def menu(role: str) -> list[tuple[str, st.Page]]:
    """(key, page) of every page: the role's own in the menu, their start page first; the others
    hidden from it but still at their addresses, so that a typed address is refused rather than
    quietly answered with the start page (which is what st.navigation does with an address it lacks).
    The start page is the default, which Streamlit serves at / and not at its own address: a hidden
    copy answers that (/hotspots typed or bookmarked by a leader got Streamlit's "Page not found"
    in English over the page)."""
    start = auth.START[role]
    keys = [start] + [k for k in PAGES if k != start]
    pages = [(k, st.Page(PAGES[k][0], title=auth.PAGE_TITLES[k], url_path=f"{k}-start" if k == start else k,
                         icon=PAGES[k][1], default=k == start,
                         visibility="visible" if role in auth.PAGE_ROLES[k] else "hidden")) for k in keys]
    copy = st.Page(PAGES[start][0], title=auth.PAGE_TITLES[start], url_path=start, icon=PAGES[start][1],
                   visibility="hidden")
    return pages + [(start, copy)]


def visitor_pages() -> list:
    """The sign-in form, at every page's address: a shared link opens its page once signed in."""
    def at(path: str):
        def sign_in() -> None:
            auth.sign_in_page()
        sign_in.__name__ = f"sign_in_{path}"
        return st.Page(sign_in, title="登录", url_path=path, default=path == "signin")
    return [at("signin")] + [at(k) for k in PAGES]


# A narrow window (a laptop at 125 %, a tablet, 800–1280 px with the sidebar open): columns wrap
# rather than cut what they hold (a metric's label to 未结…, a table's columns), and a pair kept in
# a container keyed ``pair-…`` (a map beside its table) is stacked. Wide windows keep the layout.
NARROW_CSS = """<style>
@media (max-width: 1279px) {
  [data-testid="stColumn"] {min-width: 10rem;}
  [class*="st-key-pair-"] [data-testid="stColumn"] {min-width: 100%;}
  [data-testid="stColumn"]:has([data-testid="stButtonGroup"]) {min-width: 17rem;}  /* a segmented control whole */
}
</style>"""


def main() -> None:
    # A traceback could quote data (a report's text in a failing value): details go to the server log only.
    st.set_option("client.showErrorDetails", "none")
    # An emoji icon is drawn in the browser; a ":material/…:" one is fetched from fonts.gstatic.com,
    # which the networks the board serves (government intranets) cannot reach.
    st.set_page_config(page_title=auth.TITLE, layout="wide", page_icon="🛡️")
    user = auth.current_user()
    if user is None:
        page = st.navigation(visitor_pages(), position="hidden")
    else:
        pages = menu(user.role)
        page = st.navigation([p for _, p in pages])
        auth.sidebar(user)
        st.html(NARROW_CSS)
        key = next(k for k, p in pages if p is page)
        if user.role not in auth.PAGE_ROLES[key]:
            auth.refuse(user, key)
            st.switch_page(pages[0][1])  # the start page
        auth.show_refusal()
    page.run()


main()

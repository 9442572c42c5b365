"""Board users: argon2id hashes with their own salt, a private file, and `shaobing users`."""
from __future__ import annotations

import datetime as dt
import io
import json
import stat

import pytest

from pipelines import users
from pipelines.cli import main


def test_a_user_signs_in_with_their_password_only(home):
    users.add("wang", "analyst", "long-enough-pw", name="王五")
    assert users.verify("wang", "long-enough-pw") == users.User("wang", "analyst", "王五", False,
                                                               users.get("wang").created_at)
    assert users.verify("wang", "long-enough-px") is None
    assert users.verify("nobody", "long-enough-pw") is None


def test_passwords_are_stored_as_salted_argon2id_hashes_in_a_private_file(home):
    users.add("ann", "leader", "same-password-1")
    users.add("bob", "leader", "same-password-1")
    path = users.users_path()
    stored = json.loads(path.read_text())["users"]
    assert stored["ann"]["hash"].startswith("$argon2id$") and stored["ann"]["hash"] != stored["bob"]["hash"]
    assert "same-password-1" not in path.read_text()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


@pytest.mark.parametrize("name, role, password, message", [
    ("x", "analyst", "long-enough-pw", "user name"),  # one character
    ("has space", "analyst", "long-enough-pw", "user name"),
    ("li", "boss", "long-enough-pw", "role"),
    ("li", "analyst", "short", "too short"),
])
def test_bad_users_are_refused_with_a_reason(home, name, role, password, message):
    with pytest.raises(users.UserError, match=message):
        users.add(name, role, password)


def test_adding_an_existing_user_needs_replace(home):
    users.add("li", "analyst", "long-enough-pw")
    with pytest.raises(users.UserError, match="exists already"):
        users.add("li", "leader", "long-enough-pw")
    users.add("li", "leader", "another-long-pw", replace=True)
    assert users.verify("li", "another-long-pw").role == "leader"


def test_a_reset_keeps_the_users_name_and_creation_time_unless_given_a_new_name(home, monkeypatch):
    users.add("zhangsan", "analyst", "long-enough-pw", name="张三")
    created = users.get("zhangsan").created_at
    monkeypatch.setattr(users.settings, "now", lambda: dt.datetime(2031, 1, 1, 8))
    users.add("zhangsan", "leader", "another-long-pw", replace=True)   # the name left empty, as the board's form may
    after = users.get("zhangsan")
    assert (after.name, after.created_at, after.role) == ("张三", created, "leader")
    users.add("zhangsan", "leader", "another-long-pw", name="张叁", replace=True)
    assert users.get("zhangsan").name == "张叁"


def test_an_oidc_user_has_no_password_and_is_found_by_email(home):
    assert users.add("Zhao@Example.gov.cn", "leader", oidc=True) is None
    assert users.verify("Zhao@Example.gov.cn", "") is None
    assert users.by_email("zhao@example.gov.cn").role == "leader"


def test_the_cli_adds_lists_and_removes_users(home, capsys, monkeypatch):
    assert main(["users", "add", "chen", "--role", "data_staff", "--name", "陈六"]) == 0
    password = capsys.readouterr().out.split("password: ")[1].split()[0]
    assert users.verify("chen", password).name == "陈六"
    monkeypatch.setattr("sys.stdin", io.StringIO("typed-password-1\n"))
    assert main(["users", "add", "zhou", "--role", "leader", "--password-stdin"]) == 0
    assert "password" not in capsys.readouterr().out
    assert users.verify("zhou", "typed-password-1")
    assert main(["users", "list"]) == 0
    assert [line.split()[:2] for line in capsys.readouterr().out.splitlines()] == [["chen", "data_staff"], ["zhou", "leader"]]
    assert main(["users", "remove", "zhou"]) == 0
    assert main(["users", "remove", "zhou"]) == 1
    assert "no user 'zhou'" in capsys.readouterr().err


def test_demo_users_get_fresh_passwords_each_time(home, capsys):
    assert main(["users", "demo"]) == 0
    first = capsys.readouterr().out
    rows = [line.split() for line in first.splitlines()[1:]]
    assert [r[1] for r in rows] == ["leader", "analyst", "data_staff", "admin"]
    assert all(users.verify(name, password) for name, _, password in rows)
    assert main(["users", "demo"]) == 0
    assert capsys.readouterr().out != first

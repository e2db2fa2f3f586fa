"""``ferry ban | unban | hide | unhide | remove | verify | unverify | audit`` through the real entry point."""

from pathlib import Path

from tests.bot.test_cli import RED_ID, ferry

DID = "did:plc:abcdefghijklmnopqrstuvwx"


def test_ban_before_registering_then_the_console_refuses_kindly(tmp_path: Path) -> None:
    banned = ferry(
        tmp_path, "ban", "--community", "demo", "--console-name", "alice", "--reason", "spam\x1b[2J"
    )
    assert banned.returncode == 0, banned.stderr
    assert "banned console:alice in 'demo'" in banned.stdout

    session = ferry(
        tmp_path, "console", "--community", "demo", "--as", "alice", stdin=f"add rednote {RED_ID}\n"
    )
    assert session.returncode == 0, session.stderr
    assert "An admin has paused your registrations in" in session.stdout

    audit = ferry(tmp_path, "audit", "--community", "demo", "--action", "moderation")
    assert audit.returncode == 0, audit.stderr
    lines = audit.stdout.splitlines()
    assert lines[0].split() == ["id", "at", "(UTC)", "action", "actor", "member", "platform", "detail"]
    assert lines[2].split()[3:] == ["member.ban", "operator", "1", "reason=spam[2J"]
    assert "\x1b" not in audit.stdout  # nothing an admin typed reaches the terminal as a control code
    assert lines[-1] == "1 audit rows"

    # Privacy rights survive a ban: the member can still erase themselves, reason included.
    session = ferry(tmp_path, "console", "--community", "demo", "--as", "alice", stdin="forget\n")
    assert "Ferry erased everything about you" in session.stdout
    audit = ferry(tmp_path, "audit", "--community", "demo")
    rows = [line.split()[3:] for line in audit.stdout.splitlines()[2:-1]]
    assert rows == [["member.forget", "member", "1"], ["member.ban", "operator", "1"]]

    # Forgetting is no way around the ban: the account stays barred until an admin lifts it, which
    # works although no member is left to unban.
    session = ferry(
        tmp_path, "console", "--community", "demo", "--as", "alice", stdin=f"add rednote {RED_ID}\n"
    )
    assert "An admin has paused your registrations in" in session.stdout
    unbanned = ferry(tmp_path, "unban", "--community", "demo", "--console-name", "alice")
    assert unbanned.returncode == 0 and "unbanned console:alice" in unbanned.stdout
    session = ferry(
        tmp_path, "console", "--community", "demo", "--as", "alice", stdin=f"add rednote {RED_ID}\n"
    )
    assert "An admin has paused" not in session.stdout and RED_ID in session.stdout


def test_unban_and_audit_filters(tmp_path: Path) -> None:
    assert ferry(tmp_path, "ban", "--community", "demo", "--did", DID).returncode == 0
    session = ferry(
        tmp_path, "console", "--community", "demo", "--as", "bob", stdin=f"add rednote {RED_ID}\n"
    )
    assert session.returncode == 0, session.stderr
    unbanned = ferry(tmp_path, "unban", "--community", "demo", "--did", DID)
    assert unbanned.returncode == 0 and f"unbanned bluesky:{DID}" in unbanned.stdout
    nobody = ferry(tmp_path, "unban", "--community", "demo", "--discord-id", "123456789012345678")
    assert nobody.returncode == 1 and "nothing to unban" in nobody.stdout

    mine = ferry(tmp_path, "audit", "--community", "demo", "--did", DID)
    assert [line.split()[3] for line in mine.stdout.splitlines()[2:-1]] == ["member.unban", "member.ban"]
    adds = ferry(tmp_path, "audit", "--community", "demo", "--action", "registrations", "--limit", "1")
    assert "entry.add" in adds.stdout and adds.stdout.splitlines()[-1] == "1 audit rows"
    none = ferry(tmp_path, "audit", "--community", "demo", "--action", "privacy")
    assert none.stdout == "0 audit rows\n"
    bad = ferry(tmp_path, "audit", "--action", "everything")
    assert bad.returncode == 2 and "invalid choice" in bad.stderr
    bad = ferry(tmp_path, "audit", "--limit", "0")
    assert bad.returncode == 2 and "between 1 and 100" in bad.stderr


def test_hide_verify_and_remove_members_who_never_used_discord(tmp_path: Path) -> None:
    sheet = tmp_path / "sky.csv"
    sheet.write_text(
        f"name,platform,handle,bluesky_did\nSky,bluesky,sky.bsky.social,{DID}\n", encoding="utf-8"
    )
    assert ferry(tmp_path, "import", "--community", "demo", str(sheet)).returncode == 0
    ferry(tmp_path, "console", "--community", "demo", "--as", "zed", stdin="add lemon8 zed_moves\n")

    hidden = ferry(tmp_path, "hide", "--community", "demo", "--did", DID)
    assert hidden.returncode == 0, hidden.stderr
    assert hidden.stdout == f"bluesky:{DID} in 'demo' is hidden from the directory (data kept)\n"
    listed = ferry(tmp_path, "directory", "--community", "demo").stdout
    assert "sky.bsky.social" not in listed and "zed_moves" in listed
    shown = ferry(tmp_path, "unhide", "--community", "demo", "--did", DID)
    assert shown.returncode == 0 and "listed in the directory again" in shown.stdout
    assert "sky.bsky.social" in ferry(tmp_path, "directory", "--community", "demo").stdout

    verified = ferry(tmp_path, "verify", "bsky", "--community", "demo", "--did", DID)
    assert (
        verified.stdout == f"bluesky:{DID}'s bluesky handle sky.bsky.social in 'demo' is now admin-verified\n"
    )
    unverified = ferry(tmp_path, "unverify", "lemon8", "--community", "demo", "--console-name", "zed")
    assert unverified.returncode == 0 and unverified.stdout.endswith("is now self-reported\n")

    removed = ferry(tmp_path, "remove", "lemon8", "--community", "demo", "--console-name", "zed")
    assert removed.stdout == "removed console:zed's lemon8 handle zed_moves in 'demo'\n"
    again = ferry(tmp_path, "remove", "lemon8", "--community", "demo", "--console-name", "zed")
    assert again.returncode == 2 and again.stderr.strip().endswith("not registered on Lemon8")

    audit = ferry(tmp_path, "audit", "--community", "demo", "--action", "moderation").stdout
    assert "operator" in audit and "member.hide" in audit

    nobody = ferry(tmp_path, "hide", "--community", "demo", "--discord-id", "123456789012345678")
    assert nobody.returncode == 1
    assert nobody.stdout == "nobody with id discord:123456789012345678 in 'demo'; nothing changed\n"
    missing = ferry(tmp_path, "verify", "lemon8", "--community", "demo")
    assert (
        missing.returncode == 2 and "one of the arguments --discord-id --did --console-name" in missing.stderr
    )

"""The catalogue: built-ins, admins' overrides and additions, name resolution and autocomplete."""

from __future__ import annotations

from typing import Any

import pytest

from bot.errors import InvalidHandleError, UnknownPlatformError
from bot.platforms import (
    Catalogue,
    HandleKind,
    PlatformConfigError,
    PlatformOverride,
    PlatformProblem,
    normalise,
    profile_url,
)

BUILTIN_ORDER = (
    *("rednote", "lemon8", "bluesky", "instagram", "youtube", "tiktok"),
    *("threads", "x", "mastodon", "facebook", "twitch"),
)


def override(**fields: Any) -> PlatformOverride:
    # model_validate, as the config loader does, so only the given fields count as set.
    return PlatformOverride.model_validate(fields)


def problems_of(overrides: dict[str, PlatformOverride]) -> set[tuple[str, str]]:
    with pytest.raises(PlatformConfigError) as info:
        Catalogue.builtin().with_overrides(overrides)
    return {(problem.key, problem.field) for problem in info.value.problems}


def test_builtins_in_a_stable_order_with_required_aliases() -> None:
    catalogue = Catalogue.builtin()
    assert tuple(spec.key for spec in catalogue.specs) == BUILTIN_ORDER
    rednote = catalogue.get("rednote")
    assert rednote is not None
    assert rednote.display_name == "RedNote (Xiaohongshu)"
    assert {"xhs", "xiaohongshu", "小红书", "red", "redbook"} <= set(rednote.aliases)
    assert catalogue.get("nope") is None
    assert Catalogue.builtin() is catalogue


def test_every_builtin_example_is_valid_and_links_over_https() -> None:
    for spec in Catalogue.builtin().specs:
        normalise(spec, spec.example)
        assert spec.profile_url is not None
        assert spec.profile_url.startswith("https://")


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("XHS", "rednote"),
        ("xhs", "rednote"),
        ("小红书", "rednote"),
        ("RedNote", "rednote"),
        ("Red Note", "rednote"),
        ("RedNote (Xiaohongshu)", "rednote"),
        ("ＸＨＳ", "rednote"),
        ("#xhs", "rednote"),
        (" bsky ", "bluesky"),
        ("@BSKY!", "bluesky"),
        ("Bluesky", "bluesky"),
        ("ig", "instagram"),
        ("Insta", "instagram"),
        ("yt", "youtube"),
        ("twitter", "x"),
        ("X", "x"),
        ("fb", "facebook"),
        ("lemon 8", "lemon8"),
        ("mastodon\u200b", "mastodon"),
    ],
)
def test_resolve_matches_keys_aliases_and_display_names(name: str, key: str) -> None:
    assert Catalogue.builtin().resolve(name).key == key


def test_resolve_only_among_enabled_platforms() -> None:
    catalogue = Catalogue.builtin()
    assert catalogue.resolve("xhs", enabled=["rednote", "bluesky"]).key == "rednote"
    with pytest.raises(UnknownPlatformError) as info:
        catalogue.resolve("bsky", enabled=["x", "bluesky_typo", "rednote"])
    assert info.value.known == ("rednote", "x")  # catalogue order, unknown keys dropped


def test_resolve_unknown_names_keeps_the_error_short() -> None:
    with pytest.raises(UnknownPlatformError) as info:
        Catalogue.builtin().resolve("  myspace  ")
    assert info.value.name == "myspace"
    assert info.value.known == BUILTIN_ORDER
    with pytest.raises(UnknownPlatformError) as info:
        Catalogue.builtin().resolve("x" * 10_000)
    assert len(info.value.name) == 100


def test_suggest_puts_exact_matches_first_then_prefixes_in_catalogue_order() -> None:
    catalogue = Catalogue.builtin()
    assert [s.key for s in catalogue.suggest("x")] == ["x", "rednote"]
    assert [s.key for s in catalogue.suggest("t")] == ["tiktok", "threads", "x", "twitch"]
    assert [s.key for s in catalogue.suggest("xiao")] == ["rednote"]
    assert [s.key for s in catalogue.suggest("小红")] == ["rednote"]
    assert [s.key for s in catalogue.suggest("")] == list(BUILTIN_ORDER)
    assert [s.key for s in catalogue.suggest("", enabled=["x", "bluesky"])] == ["bluesky", "x"]
    assert len(catalogue.suggest("", limit=3)) == 3
    assert catalogue.suggest("zzz") == []


def test_override_merges_field_by_field() -> None:
    base = Catalogue.builtin()
    changed = base.with_overrides({"x": override(display_name="X (Twitter)", aliases=["tw"])})
    x = changed.get("x")
    assert x is not None
    assert (x.display_name, x.aliases) == ("X (Twitter)", ("tw",))
    assert x.pattern == base.get("x").pattern  # type: ignore[union-attr]
    assert changed.resolve("tw").key == "x"
    with pytest.raises(UnknownPlatformError):
        changed.resolve("twitter")
    assert base.get("x").display_name == "X"  # type: ignore[union-attr]
    assert tuple(s.key for s in changed.specs) == BUILTIN_ORDER


def test_a_new_platform_works_from_config_alone() -> None:
    pixelfed = override(
        display_name="Pixelfed",
        aliases=["pxf"],
        pattern=r"^[a-z0-9_]{1,30}$",
        url_hosts=["pixelfed.social"],
        url_path_pattern=r"^/(?P<handle>[^/]+)/?$",
        reserved=["discover"],
        profile_url="https://pixelfed.social/{handle}",
        example="sunny_bakes",
    )
    catalogue = Catalogue.builtin().with_overrides({"pixelfed": pixelfed})
    assert catalogue.specs[-1].key == "pixelfed"
    spec = catalogue.resolve("PXF")
    assert normalise(spec, "https://pixelfed.social/Sunny_Bakes?x=1").handle == "sunny_bakes"
    assert profile_url(spec, "sunny_bakes") == "https://pixelfed.social/sunny_bakes"
    for raw, reason in [
        ("https://pixelfed.social/discover", "not_profile_url"),
        ("discover", "reserved_name"),
        ("p\u0430ypal", "mixed_script"),
        ("https://evil.example/sunny", "unsupported_host"),
    ]:
        with pytest.raises(InvalidHandleError) as info:
            normalise(spec, raw)
        assert info.value.reason == reason
        assert (info.value.platform, info.value.example) == ("Pixelfed", "sunny_bakes")


def test_a_new_platform_needs_a_name_and_an_example() -> None:
    assert problems_of({"pixelfed": override(pattern=r"^[a-z]+$")}) == {
        ("pixelfed", "display_name"),
        ("pixelfed", "example"),
    }


@pytest.mark.parametrize(
    "template",
    [
        "http://x.com/{handle}",
        "https://x.com/user",  # no placeholder
        "https://x.com/{handle}/{handle}",
        "https://{handle}.x.com/",
        "https://{handle}/",
        "https://x.com{handle}",
        "https://x.com:8443/{handle}",
        "https://user@x.com/{handle}",
        "https://x.com/{user}",
        "https://x.com/{handle",
        "https://x.com/{handle}}",
        "javascript:alert('{handle}')",
    ],
)
def test_bad_templates_are_refused(template: str) -> None:
    assert problems_of({"x": override(profile_url=template)}) == {("x", "profile_url")}


def test_mastodon_templates_may_use_the_accounts_own_server() -> None:
    changed = {"mastodon": override(profile_url="https://{domain}/users/{user}")}
    mastodon = Catalogue.builtin().with_overrides(changed).get("mastodon")
    assert mastodon is not None
    assert profile_url(mastodon, "bob@fosstodon.org") == "https://fosstodon.org/users/bob"
    assert problems_of({"x": override(profile_url="https://{domain}/@{user}")}) == {("x", "profile_url")}


def test_every_problem_is_reported_at_once() -> None:
    bad = {
        "x": override(pattern="([", profile_url="http://x.com/{handle}"),
        "instagram": override(url_path_pattern=r"^/(?P<name>[^/]+)$", url_hosts=["https://instagram.com"]),
        "tiktok": override(example="no spaces allowed"),
        "threads": override(aliases=["ig"]),  # Instagram's
        "twitter": override(display_name="Twitter", example="jack"),  # X's alias as a key
        "newbie": override(display_name="Bluesky", example="a"),  # Bluesky's display name
        "broken": override(aliases=["tt"]),  # no name or example, and TikTok's alias
        "Bad Key": override(display_name="Bad", example="bad"),
        "empty": override(display_name="Empty", example="e", aliases=["--"]),
    }
    with pytest.raises(PlatformConfigError) as info:
        Catalogue.builtin().with_overrides(bad)
    found = {(p.key, p.field) for p in info.value.problems}
    assert found == {
        ("x", "pattern"),
        ("x", "profile_url"),
        ("instagram", "url_path_pattern"),
        ("instagram", "url_hosts"),
        ("tiktok", "example"),
        ("threads", "aliases"),
        ("twitter", ""),
        ("twitter", "display_name"),
        ("newbie", "display_name"),
        ("broken", "display_name"),
        ("broken", "example"),
        ("broken", "aliases"),
        ("Bad Key", ""),
        ("empty", "aliases"),
    }
    assert all(isinstance(p, PlatformProblem) and p.message for p in info.value.problems)
    assert "tiktok.example" in str(info.value)


def test_the_constructor_checks_too() -> None:
    x = Catalogue.builtin().get("x")
    assert x is not None
    with pytest.raises(PlatformConfigError) as info:
        Catalogue([x, x])
    assert [(p.key, p.field) for p in info.value.problems] == [("x", "")]


def test_the_catalogue_is_immutable() -> None:
    catalogue = Catalogue.builtin()
    with pytest.raises(AttributeError):
        catalogue._specs = ()
    assert catalogue.with_overrides({}).specs == catalogue.specs
    assert isinstance(catalogue.specs, tuple)
    assert catalogue.get("youtube").kind is HandleKind.YOUTUBE  # type: ignore[union-attr]


def test_display_name_is_the_name_people_use_and_the_key_once_unknown() -> None:
    catalogue = Catalogue.builtin()
    assert catalogue.display_name("rednote") == "RedNote (Xiaohongshu)"
    assert catalogue.display_name("myspace") == "myspace"

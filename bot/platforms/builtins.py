"""The platforms Ferry knows without any config, with the rules in security.md §7.

Admins may override any field of these, or add platforms, in ``config/*.toml``. Examples are
invented names, chosen to show each platform's shape.
"""

from __future__ import annotations

from bot.platforms.domains import DOMAIN_PATTERN
from bot.platforms.spec import HandleKind, PlatformSpec

# Instagram and Threads share accounts: 1-30 of letters, digits, "." and "_", with no leading,
# trailing or doubled dot.
_INSTAGRAM = r"^(?!.*\.\.)(?!\.)(?!.*\.$)[a-z0-9._]{1,30}$"
# One path segment, optionally with a trailing slash: x.com/name, instagram.com/name/
_ONE_SEGMENT = r"^/(?P<handle>[^/]+)/?$"
_AT_SEGMENT = r"^/@(?P<handle>[^/]+)/?$"
_YOUTUBE_TABS = "featured|videos|shorts|streams|playlists|community|about|posts|live"


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


BUILTIN_SPECS: tuple[PlatformSpec, ...] = (
    PlatformSpec(
        key="rednote",
        display_name="RedNote (Xiaohongshu)",
        aliases=("xhs", "xiaohongshu", "小红书", "小紅書", "red", "redbook", "little red book"),
        kind=HandleKind.REDNOTE,
        # The RED ID (小红书号). Its charset is an assumption; the 24-hex user id is a fixed rule.
        pattern=r"^[a-z0-9_]{1,24}$",
        max_length=24,
        url_hosts=("xiaohongshu.com", "rednote.com"),
        url_path_pattern=r"^/user/profile/(?P<handle>[^/]+)/?$",
        profile_url="https://www.xiaohongshu.com/user/profile/{handle}",
        example="95123456",
    ),
    PlatformSpec(
        key="lemon8",
        display_name="Lemon8",
        aliases=("lemon", "lemon 8"),
        # Undocumented; assumed TikTok-like (ByteDance runs both).
        pattern=r"^(?!.*\.$)[a-z0-9._]{2,30}$",
        max_length=30,
        url_hosts=("lemon8-app.com",),
        url_path_pattern=_AT_SEGMENT,
        profile_url="https://www.lemon8-app.com/@{handle}",
        example="sunny.bakes",
    ),
    PlatformSpec(
        key="bluesky",
        display_name="Bluesky",
        aliases=("bsky", "bsky.app", "bluesky social"),
        kind=HandleKind.BLUESKY,
        pattern=f"^{DOMAIN_PATTERN}$",
        max_length=253,
        url_hosts=("bsky.app",),
        url_path_pattern=r"^/profile/(?P<handle>[^/]+)/?$",
        profile_url="https://bsky.app/profile/{handle}",
        example="alice.bsky.social",
    ),
    PlatformSpec(
        key="instagram",
        display_name="Instagram",
        aliases=("ig", "insta"),
        pattern=_INSTAGRAM,
        max_length=30,
        url_hosts=("instagram.com",),
        url_path_pattern=_ONE_SEGMENT,
        reserved=("p", "reel", "reels", "tv", "stories", "explore", "accounts", "direct", "about", "legal"),
        profile_url="https://www.instagram.com/{handle}/",
        example="sunny.days_",
    ),
    PlatformSpec(
        key="youtube",
        display_name="YouTube",
        aliases=("yt",),
        kind=HandleKind.YOUTUBE,
        # Applied to the stored "@name". Marks are allowed (Devanagari, Thai) but capped, so that
        # stacked "zalgo" marks fail; length 3-30 is checked by the kind and max_length.
        pattern=r"^@(?:[\p{L}\p{N}]\p{M}{0,3}|[_.\-·])+$",
        ascii_only=False,
        max_length=31,
        url_hosts=("youtube.com",),
        url_path_pattern=rf"^/(?:channel/)?(?P<handle>[^/]+)(?:/(?:{_YOUTUBE_TABS}))?/?$",
        profile_url="https://www.youtube.com/{handle}",
        example="@sunnybakes",
    ),
    PlatformSpec(
        key="tiktok",
        display_name="TikTok",
        aliases=("tt",),
        pattern=r"^(?!.*\.$)[a-z0-9._]{2,24}$",
        max_length=24,
        url_hosts=("tiktok.com",),
        url_path_pattern=_AT_SEGMENT,
        profile_url="https://www.tiktok.com/@{handle}",
        example="dance.with.mei",
    ),
    PlatformSpec(
        key="threads",
        display_name="Threads",
        pattern=_INSTAGRAM,
        max_length=30,
        url_hosts=("threads.com", "threads.net"),
        url_path_pattern=_AT_SEGMENT,
        profile_url="https://www.threads.com/@{handle}",
        example="sunny.days_",
    ),
    PlatformSpec(
        key="x",
        display_name="X",
        aliases=("twitter", "x.com", "x (twitter)"),
        pattern=r"^[a-z0-9_]{1,15}$",
        max_length=15,
        url_hosts=("x.com", "twitter.com"),
        url_path_pattern=_ONE_SEGMENT,
        reserved=_words(
            "home explore i intent messages notifications privacy search tos settings compose hashtag "
            "login logout signup share jobs"
        ),
        profile_url="https://x.com/{handle}",
        example="night_owl42",
    ),
    PlatformSpec(
        key="mastodon",
        display_name="Mastodon",
        aliases=("fediverse", "masto"),
        kind=HandleKind.MASTODON,
        pattern=rf"^[a-z0-9_]+(?:[.-]+[a-z0-9_]+)*@{DOMAIN_PATTERN}$",
        max_length=253,
        url_path_pattern=r"^/(?:@|users/)(?P<handle>[^/]+)/?$",
        profile_url="https://{domain}/@{user}",
        example="alice@mastodon.social",
    ),
    PlatformSpec(
        key="facebook",
        display_name="Facebook",
        aliases=("fb",),
        # Usernames are 5+ letters, digits and dots; numeric profile ids fit the same pattern.
        pattern=r"^(?!.*\.\.)(?!\.)(?!.*\.$)[a-z0-9.]{5,50}$",
        max_length=50,
        url_hosts=("facebook.com", "fb.com"),
        url_path_pattern=_ONE_SEGMENT,
        reserved=_words(
            "pages groups events watch marketplace gaming profile.php photo.php story.php permalink.php "
            "sharer share login help settings people hashtag messages notifications friends reel reels "
            "stories search"
        ),
        profile_url="https://www.facebook.com/{handle}",
        example="sunny.bakes.nyc",
    ),
    PlatformSpec(
        key="twitch",
        display_name="Twitch",
        aliases=("ttv",),
        pattern=r"^[a-z0-9][a-z0-9_]{3,24}$",
        max_length=25,
        url_hosts=("twitch.tv",),
        url_path_pattern=_ONE_SEGMENT,
        reserved=_words(
            "directory videos settings search subscriptions inventory wallet drops downloads jobs turbo "
            "friends messages prime store login signup p"
        ),
        profile_url="https://www.twitch.tv/{handle}",
        example="cozy_streams",
    ),
)


# The patterns above: matched without a time limit (bot/platforms/_regex.py); an admin's own are not.
SHIPPED_PATTERNS: frozenset[str] = frozenset(
    pattern for spec in BUILTIN_SPECS for pattern in (spec.pattern, spec.url_path_pattern) if pattern
)

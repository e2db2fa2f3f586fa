# ruff: noqa: RUF001 - Chinese sentences use fullwidth punctuation
"""Every sentence the Discord front says, in English and Simplified Chinese, in one place.

Values passed to :func:`say` are escaped (markdown and mentions neutralised) unless wrapped in
:class:`Raw`, which is for text the bot built itself (links, timestamps, other messages). The
locale comes from ``interaction.locale``; Chinese (``zh-CN``) gets Chinese, everything else English.
Command descriptions are translated through :class:`FerryTranslator`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import discord
from discord import app_commands

from bot.discord.render import clean
from bot.errors import (
    FerryError,
    HandleTakenError,
    InvalidHandleError,
    InvalidInputError,
    MemberNotFoundError,
    NotRegisteredError,
    UnknownCommunityError,
    UnknownPlatformError,
)

EN_LOCALE, ZH_LOCALE = "en", "zh"

EN: Mapping[str, str] = {
    # errors
    "error.invalid_handle": "That isn't a valid {platform} handle: {reason}. Example: `{example}`",
    "error.unknown_platform": "I don't know the platform “{name}”. Platforms here: {known}",
    "error.not_registered": "You have no {platform} handle in this directory.",
    "error.not_registered_any": "Ferry keeps nothing about you here.",
    "error.handle_taken": (
        "Someone else here already registered {platform} {handle}. If it is yours, ask an admin."
    ),
    "error.member_not_found": "That member is not in the directory.",
    "error.invalid_input": "Invalid {field}: {reason}.",
    "error.unknown_community": "This server's community is not set up correctly; tell an admin.",
    "error.unexpected": "Something went wrong on Ferry's side. Error id: `{error_id}` (tell an admin).",
    "error.not_admin": (
        "Only this server's Ferry admins (a configured admin role or Manage Server) can do that."
    ),
    "error.guild_only": "This command works inside a server only.",
    "error.not_owner": "Only the bot's owner can do that.",
    "error.generic": "That did not work.",
    "reason.generic": "it doesn't look like a handle",
    "reason.too_long": "it is too long",
    "reason.too_short": "it is too short",
    "reason.empty": "it is empty",
    "reason.invalid_format": "it has characters or a shape this platform doesn't allow",
    "reason.invisible_character": "it contains invisible or direction-changing characters",
    "reason.control_character": "it contains control characters",
    "reason.confusable": "it contains look-alike letters",
    "reason.mixed_script": "it mixes alphabets",
    "reason.not_ascii": "this platform only allows Latin letters, digits and a few symbols",
    "reason.unsupported_scheme": "only https links are accepted",
    "reason.unsupported_host": "that link is for another site",
    "reason.not_profile_url": "that link is not a profile",
    "reason.short_link": "short links aren't followed; paste the full profile link",
    "reason.missing_domain": "it needs the domain too",
    "reason.reserved_name": "that is a site page, not a person",
    "reason.contains_whitespace": "it contains spaces",
    # handles
    "handle.added": "Added your {platform} handle {handle}.",
    "handle.replaced": "Updated your {platform} handle to {handle} (was {previous}).",
    "handle.unchanged": "Your {platform} handle is already {handle}.",
    "handle.visibility": "Visible to: {visibility}.",
    "handle.removed": "Removed your {platform} handle {handle}.",
    "handle.list.mine": "Your handles",
    "handle.list.theirs": "{name}'s handles",
    "handle.list.empty_mine": "You have no handles here yet. Add one with /handle add.",
    "handle.list.empty_theirs": "{name} has no handles you can see.",
    "visibility.community": "this community",
    "visibility.public": "everyone (may appear on Bluesky and in public exports)",
    # directory
    "directory.title": "{community}: who moved where",
    "directory.title_platform": "{community}: who moved to {platform}",
    "directory.search": "Matching “{term}”",
    "directory.footer": (
        "Page {page} of {pages} · {total} handles · ✓ proven on Bluesky, ✓✓ verified by an admin"
    ),
    "directory.empty": "Nobody is listed yet. Be the first: /handle add",
    "directory.all_platforms": "All platforms",
    "directory.pick_platform": "Filter by platform",
    "directory.export": "Export CSV",
    "directory.previous": "Previous page",
    "directory.next": "Next page",
    "directory.not_yours": "This list belongs to someone else; run /directory for your own.",
    "directory.exported": "The directory as CSV ({count} rows).",
    # links
    "links.title": "Where {community} is moving",
    "links.empty": "No relocation links are set up yet.",
    "links.deadline": "Move before {deadline}.",
    # my data
    "mydata.export": "Everything Ferry keeps about you here.",
    "mydata.forget.confirm": (
        "This erases everything Ferry keeps about you here ({count} handles). It can't be undone."
    ),
    "mydata.forget.button": "Erase everything",
    "mydata.forgot": "Done: everything about you is erased ({count} handles).",
    "confirm.cancel": "Cancel",
    "confirm.cancelled": "Cancelled; nothing changed.",
    "confirm.expired": "This confirmation expired; nothing changed.",
    "view.not_yours": "These buttons belong to whoever ran the command.",
    "view.gone": "These buttons no longer work (they expired or Ferry restarted). Run the command again.",
    # admin
    "admin.removed": "Removed {member}'s {platform} handle {handle}.",
    "admin.hidden": "{member} is hidden from the directory (their data is kept).",
    "admin.unhidden": "{member} is listed in the directory again.",
    "admin.verified": "{member}'s {platform} handle {handle} is now verified by an admin.",
    "import.title": "Import check of {file}",
    "import.summary": (
        "{rows} rows: {added} to add, {replaced} to replace, {unchanged} unchanged, {rejected} rejected."
    ),
    "import.applied_title": "Imported {file}",
    "import.applied": (
        "{rows} rows: {added} added, {replaced} replaced, {unchanged} unchanged, {rejected} rejected."
    ),
    "import.rejected": "Line {line}: {reason}",
    "import.more": "…and {count} more rejected rows in the attached file.",
    "import.confirm": "Apply this import",
    "import.nothing": "Nothing to import.",
    "import.too_big": "That file is too big (at most {limit} MB).",
    "import.not_text": "That file is not a UTF-8 CSV file.",
    "export.done": "The directory as {format} ({count} rows).",
    "export.too_big": "The file is too big for Discord ({size} MB); an operator can run `ferry export`.",
    "stats.title": "{community} at a glance",
    "stats.members": "Members",
    "stats.handles": "Handles per platform",
    "stats.recent": "Recent arrivals",
    "stats.none": "none yet",
    "audit.title": "Audit log",
    "audit.title_member": "Audit log of {member}",
    "audit.empty": "No changes recorded.",
    "reload.ok": "Config reloaded: {files} file(s), {communities} communities.",
    "reload.failed": "The config has {count} problem(s); the previous config stays in force.",
    "sync.done": "Synced {count} commands {scope}.",
    "sync.global": "globally (they may take a while to appear)",
    "sync.guild": "to this server",
    # arrivals
    "arrivals.title": "New arrivals",
    "arrivals.line": "{name} is now on {platform}: {handle}",
    "arrivals.more": "…and {count} more.",
}

ZH: Mapping[str, str] = {
    "error.invalid_handle": "这不是有效的 {platform} 账号：{reason}。例：`{example}`",
    "error.unknown_platform": "我不认识平台「{name}」。可用平台：{known}",
    "error.not_registered": "你在名录中没有 {platform} 账号。",
    "error.not_registered_any": "Ferry 在这里没有保存任何关于你的信息。",
    "error.handle_taken": "这里已有其他人登记了 {platform} {handle}。如果这是你的账号，请联系管理员。",
    "error.member_not_found": "该成员不在名录中。",
    "error.invalid_input": "无效的 {field}：{reason}。",
    "error.unknown_community": "本服务器的社区设置有误，请告知管理员。",
    "error.unexpected": "Ferry 出了点问题。错误编号：`{error_id}`（请告知管理员）。",
    "error.not_admin": "只有本服务器的 Ferry 管理员（指定的管理员身份组或“管理服务器”权限）可以这样做。",
    "error.guild_only": "此命令只能在服务器中使用。",
    "error.not_owner": "只有机器人的所有者可以这样做。",
    "error.generic": "操作失败。",
    "reason.generic": "看起来不像账号",
    "reason.too_long": "太长了",
    "reason.too_short": "太短了",
    "reason.empty": "是空的",
    "reason.invalid_format": "包含此平台不允许的字符或格式",
    "reason.invisible_character": "包含不可见或改变文字方向的字符",
    "reason.control_character": "包含控制字符",
    "reason.confusable": "包含形近字母",
    "reason.mixed_script": "混用了不同文字",
    "reason.not_ascii": "此平台只允许拉丁字母、数字和少数符号",
    "reason.unsupported_scheme": "只接受 https 链接",
    "reason.unsupported_host": "这是其他网站的链接",
    "reason.not_profile_url": "这不是个人主页链接",
    "reason.short_link": "不解析短链接，请粘贴完整的主页链接",
    "reason.missing_domain": "还需要域名",
    "reason.reserved_name": "这是网站页面，不是用户",
    "reason.contains_whitespace": "包含空格",
    "handle.added": "已添加你的 {platform} 账号 {handle}。",
    "handle.replaced": "已把你的 {platform} 账号更新为 {handle}（原为 {previous}）。",
    "handle.unchanged": "你的 {platform} 账号已经是 {handle}。",
    "handle.visibility": "可见范围：{visibility}。",
    "handle.removed": "已删除你的 {platform} 账号 {handle}。",
    "handle.list.mine": "你的账号",
    "handle.list.theirs": "{name} 的账号",
    "handle.list.empty_mine": "你还没有登记账号。用 /handle add 添加。",
    "handle.list.empty_theirs": "{name} 没有你可以看到的账号。",
    "visibility.community": "本社区",
    "visibility.public": "所有人（可能出现在 Bluesky 和公开导出中）",
    "directory.title": "{community}：大家搬去了哪里",
    "directory.title_platform": "{community}：搬到 {platform} 的人",
    "directory.search": "匹配「{term}」",
    "directory.footer": "第 {page}/{pages} 页 · 共 {total} 个账号 · ✓ 已通过 Bluesky 证明，✓✓ 已由管理员核实",
    "directory.empty": "名录中还没有人。来做第一个：/handle add",
    "directory.all_platforms": "全部平台",
    "directory.pick_platform": "按平台筛选",
    "directory.export": "导出 CSV",
    "directory.previous": "上一页",
    "directory.next": "下一页",
    "directory.not_yours": "这个列表属于别人；请运行 /directory 查看你自己的。",
    "directory.exported": "名录 CSV（{count} 行）。",
    "links.title": "{community} 的新家",
    "links.empty": "还没有设置搬家链接。",
    "links.deadline": "请在 {deadline} 之前搬家。",
    "mydata.export": "Ferry 在这里保存的关于你的全部信息。",
    "mydata.forget.confirm": "这将删除 Ferry 在这里保存的关于你的全部信息（{count} 个账号），且无法撤销。",
    "mydata.forget.button": "全部删除",
    "mydata.forgot": "完成：关于你的信息已全部删除（{count} 个账号）。",
    "confirm.cancel": "取消",
    "confirm.cancelled": "已取消，没有任何更改。",
    "confirm.expired": "确认已过期，没有任何更改。",
    "view.not_yours": "这些按钮属于运行该命令的人。",
    "view.gone": "这些按钮已失效（已过期或 Ferry 已重启）。请重新运行命令。",
    "admin.removed": "已删除 {member} 的 {platform} 账号 {handle}。",
    "admin.hidden": "{member} 已从名录中隐藏（数据仍保留）。",
    "admin.unhidden": "{member} 已重新列入名录。",
    "admin.verified": "{member} 的 {platform} 账号 {handle} 已由管理员核实。",
    "import.title": "导入检查：{file}",
    "import.summary": "{rows} 行：将添加 {added}，将替换 {replaced}，未变 {unchanged}，拒绝 {rejected}。",
    "import.applied_title": "已导入 {file}",
    "import.applied": "{rows} 行：已添加 {added}，已替换 {replaced}，未变 {unchanged}，拒绝 {rejected}。",
    "import.rejected": "第 {line} 行：{reason}",
    "import.confirm": "执行导入",
    "import.nothing": "没有可导入的内容。",
    "import.too_big": "文件太大（最多 {limit} MB）。",
    "import.not_text": "该文件不是 UTF-8 编码的 CSV 文件。",
    "export.done": "名录 {format}（{count} 行）。",
    "export.too_big": "文件对 Discord 来说太大（{size} MB）；运维人员可以运行 `ferry export`。",
    "stats.title": "{community} 概况",
    "audit.title": "审计日志",
    "audit.title_member": "{member} 的审计日志",
    "audit.empty": "没有记录。",
    "reload.ok": "配置已重新载入：{files} 个文件，{communities} 个社区。",
    "reload.failed": "配置有 {count} 个问题；继续使用之前的配置。",
    "sync.done": "已同步 {count} 个命令{scope}。",
    "sync.global": "到全局（可能需要一段时间才会显示）",
    "sync.guild": "到本服务器",
    "stats.members": "成员",
    "stats.handles": "各平台账号数",
    "stats.recent": "最近到达",
    "stats.none": "暂无",
    "arrivals.title": "新到达",
    "arrivals.line": "{name} 现在在 {platform}：{handle}",
    "arrivals.more": "……还有 {count} 人。",
}

CATALOGUES: Mapping[str, Mapping[str, str]] = {EN_LOCALE: EN, ZH_LOCALE: ZH}


@dataclass(frozen=True, slots=True)
class Raw:
    """A value the bot built itself (a link, a timestamp, another sentence): inserted unescaped."""

    text: str

    def __str__(self) -> str:
        return self.text


def locale_of(locale: discord.Locale | str | None) -> str:
    """Our catalogue for a Discord locale: Simplified Chinese for ``zh-CN``, else English."""
    value = locale.value if isinstance(locale, discord.Locale) else (locale or "")
    return ZH_LOCALE if value.lower() in {"zh-cn", "zh", "zh-hans"} else EN_LOCALE


def say(locale: discord.Locale | str | None, key: str, **values: object) -> str:
    """The sentence ``key`` in the caller's language, with every plain string value escaped."""
    template = CATALOGUES[locale_of(locale)].get(key) or EN[key]
    safe = {
        name: value.text if isinstance(value, Raw) else clean(value, 200) if isinstance(value, str) else value
        for name, value in values.items()
    }
    return template.format(**safe)


def error_text(locale: discord.Locale | str | None, error: FerryError) -> str:
    """A specific, friendly sentence for a domain error."""
    if isinstance(error, InvalidHandleError):
        reason_key = f"reason.{error.reason}"
        reason = say(locale, reason_key if reason_key in EN else "reason.generic")
        return say(
            locale, "error.invalid_handle", platform=error.platform, reason=Raw(reason), example=error.example
        )
    if isinstance(error, UnknownPlatformError):
        return say(locale, "error.unknown_platform", name=error.name, known=", ".join(error.known))
    if isinstance(error, NotRegisteredError):
        if error.platform is None:
            return say(locale, "error.not_registered_any")
        return say(locale, "error.not_registered", platform=error.platform)
    if isinstance(error, HandleTakenError):
        return say(locale, "error.handle_taken", platform=error.platform, handle=error.handle)
    if isinstance(error, MemberNotFoundError):
        return say(locale, "error.member_not_found")
    if isinstance(error, InvalidInputError):
        return say(locale, "error.invalid_input", field=error.field, reason=error.reason)
    if isinstance(error, UnknownCommunityError):
        return say(locale, "error.unknown_community")
    return say(locale, "error.generic")


# Command and option descriptions in Simplified Chinese, keyed by the English text in the code.
ZH_DESCRIPTIONS: Mapping[str, str] = {
    "Your handles in the migration directory": "你在搬家名录中的账号",
    "Add or update where you moved": "添加或更新你搬去的平台",
    "Remove one of your handles": "删除你的一个账号",
    "List your handles, or another member's": "列出你或其他成员的账号",
    "The platform, e.g. RedNote, Lemon8, Bluesky": "平台，例如 小红书、Lemon8、Bluesky",
    "Your handle or profile link there": "你在该平台的账号或主页链接",
    "Who may see it (default: this community)": "谁可以看到（默认：本社区）",
    "Whose handles to show (default: yours)": "显示谁的账号（默认：你自己）",
    "Browse who moved where": "查看大家搬去了哪里",
    "Only this platform": "仅此平台",
    "Text in a name or handle": "名字或账号中的文字",
    "Show it only to you": "仅自己可见",
    "Where this community is moving": "本社区的新家",
    "Your data in Ferry": "你在 Ferry 中的数据",
    "Download everything Ferry keeps about you": "下载 Ferry 保存的关于你的全部信息",
    "Erase everything Ferry keeps about you": "删除 Ferry 保存的关于你的全部信息",
    "Ferry admin tools": "Ferry 管理工具",
    "Remove a member's handle on a platform": "删除成员在某平台的账号",
    "Hide a member from the directory (data is kept)": "在名录中隐藏成员（保留数据）",
    "List a hidden member again": "重新列出被隐藏的成员",
    "Mark a member's handle as verified by an admin": "标记成员的账号为管理员已核实",
    "Import a CSV of handles: check first, then confirm": "导入账号 CSV：先检查，再确认",
    "Export the directory as a file": "把名录导出为文件",
    "Members, handles per platform, recent arrivals": "成员、各平台账号数、最近到达",
    "Recent changes, of everyone or of one member": "最近的更改（全部或某位成员）",
    "Re-read the config files and report any problem": "重新读取配置文件并报告问题",
    "Owner only: publish slash commands to Discord": "仅限所有者：向 Discord 发布斜杠命令",
}


class FerryTranslator(app_commands.Translator):
    """Chinese command descriptions for Discord's client; names stay English (users and docs rely on them)."""

    async def translate(
        self,
        string: app_commands.locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        """The Chinese description, for zh-CN only; None leaves Discord showing the English."""
        if locale is not discord.Locale.chinese:
            return None
        if context.location in (
            app_commands.TranslationContextLocation.command_description,
            app_commands.TranslationContextLocation.group_description,
            app_commands.TranslationContextLocation.parameter_description,
        ):
            return ZH_DESCRIPTIONS.get(string.message)
        return None

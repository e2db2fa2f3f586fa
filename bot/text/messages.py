"""Every sentence the text fronts (console, Bluesky) say, per language, in one place for translators.

Keys are stable; values are ``str.format`` templates. A missing translation falls back to English,
and a missing key is a bug caught by the tests (every key exists in English).
"""

from __future__ import annotations

from collections.abc import Mapping

from bot import input_reasons

DEFAULT_LOCALE = "en"

EN: Mapping[str, str] = {
    **input_reasons.EN,
    "usage.add": "add <platform> <handle> (example: add rednote 5e8f1a2b3c4d5e6f7a8b9c0d)",
    "usage.remove": "remove <platform> (example: remove lemon8)",
    "usage.list": "list (or: me) shows your handles",
    "usage.directory": "directory [platform] [page] (example: directory bluesky 2)",
    "usage.links": "links shows where the community is moving",
    "usage.forget": "forget erases everything Ferry keeps about you",
    "usage.help": "help shows this list",
    "usage.summary": "add <platform> <handle> · remove <platform> · list · directory · links · visibility"
    " · mydata · forget · help",
    "help.header": "Ferry keeps {community}'s opt-in directory of where everyone moved. Commands:",
    "legend": "✓ proven on Bluesky · ✓✓ admin-verified · no mark: self-reported",
    "help.platforms": "Platforms: {platforms}",
    "parse.empty": "Say a command: {usage}",
    "parse.too_long": "That is too long to be a command. Commands: {usage}",
    "parse.unknown_command": "I don't know that command. Commands: {usage}",
    "parse.missing_arguments": "Something is missing. Usage: {usage}",
    "parse.unexpected_word": "I didn't understand “{word}”. Usage: {usage}",
    "parse.bad_page": "Pages start at 1. Usage: {usage}",
    "added": "Added {platform}: {handle}{link}",
    "replaced": "Updated {platform}: {handle} (was {previous}){link}",
    "unchanged": "You already have {platform}: {handle}{link}",
    "removed": "Removed your {platform} handle {handle}.",
    "list.empty": "You have no handles in {community}'s directory yet. Add one: {usage}",
    "list.header": "Your handles in {community}:",
    "list.withheld": "+ {count} kept out of public answers (community-only). To show them here too: "
    "visibility all public",
    "list.only_withheld": "You have no public handles in {community}. {note}",
    "directory.empty": "Nobody is in the directory{filter} yet. Be the first: {usage}",
    "directory.header": "{community} directory{filter}, page {page} of {pages} ({total}):",
    "directory.filter": " on {platform}",
    "directory.more": "More: {command}",
    "links.empty": "{community} has no relocation links yet.",
    "links.header": "Where {community} is going:",
    "links.deadline": "Move before {deadline}.",
    "links.too_long": "the link is too long for this post; ask on Discord or the web page",
    "links.more": "More links than fit here: ask on Discord or the web page.",
    "forgot": "Done: Ferry erased everything about you in {community} ({count}).",
    "forgot.traces": "You had no entries in {community}; Ferry erased what it still kept of your messages "
    "and link attempts.",
    "count.handles.one": "1 handle",
    "count.handles.other": "{n} handles",
    "error.not_registered": "You have no {platform} handle here.",
    "error.not_registered_any": "Ferry keeps nothing about you in {community}.",
    "error.unknown_platform": "I don't know the platform \u201c{name}\u201d. Platforms here: {known}",
    "error.invalid_handle": "That is not a valid {platform} handle: {reason} Example: {example}",
    "error.handle_taken": "Someone else in this community already registered {platform} {handle}. "
    "If it is yours, ask an admin.",
    "error.handle_refused": "I can't register that {platform} handle for you here. If it is yours, ask an "
    "admin of the community.",
    "error.invalid_input": "Invalid {field}: {reason}.",
    "error.member_not_found": "That member is not in the directory.",
    "error.member_target": "“{given}” names nobody in this directory.",
    "error.link_code_rate": "You asked for several linking codes lately. Try again in {when}.",
    "error.unknown_community": "There is no community called \u201c{slug}\u201d.",
    "error.generic": "That did not work. Try: help",
    "error.registration_closed": "“{slug}” does not take registrations from here. Ask its admins "
    "where to register.",
    "error.banned": "An admin has paused your registrations in {community}, so I can't add handles for "
    "you there. You can still list, remove or forget what Ferry keeps about you.",
    "error.rate_limited": "That's a lot of changes in a short time. Please try again in {when}.",
    "count.minutes.one": "1 minute",
    "count.minutes.other": "{n} minutes",
    "reason.generic": "it doesn't look like a handle.",
    "reason.empty": "it is empty.",
    "reason.too_short": "it is too short.",
    "reason.too_long": "it is too long.",
    "reason.invalid_format": "it has characters or a shape this platform does not allow.",
    "reason.reserved_name": "that is a page of the site, not a person.",
    "reason.contains_whitespace": "handles have no spaces.",
    "reason.control_character": "it contains a control character.",
    "reason.invisible_character": "it contains an invisible or direction-changing character.",
    "reason.bad_encoding": "it contains broken text.",
    "reason.unsupported_character": "it contains a character no handle can have.",
    "reason.excess_marks": "it has too many stacked accent marks.",
    "reason.not_ascii": "this platform allows only Latin letters, digits and a few symbols.",
    "reason.mixed_script": "it mixes letters from different alphabets.",
    "reason.confusable": "it uses look-alike letters from another alphabet.",
    "reason.unsupported_scheme": "only https links can be pasted.",
    "reason.bad_url": "that link is broken or carries a password or port.",
    "reason.unsupported_host": "that link is to another site.",
    "reason.not_profile_url": "that link is not to a profile.",
    "reason.short_link": "short share links are not followed; open it and paste the full profile link.",
    "reason.missing_domain": "the full handle includes the server, like name.bsky.social or name@server.",
    "reason.reserved_domain": "that domain cannot host a public account.",
    "reason.ip_address": "the server must be a domain name, not an IP address.",
    "reason.port_not_allowed": "the server must not have a port.",
    "reason.bad_did": "that DID is malformed.",
    "reason.bad_profile_id": "a profile id is 24 characters of 0-9 and a-f.",
    "usage.join": "join lists your own Bluesky account (proven by your post)",
    "joined": "Welcome! You are in the {community} directory as @{handle} ✓",
    "join.again": "You are already in the {community} directory as @{handle} ✓",
    "join.unsupported": "join works only when you mention Ferry on Bluesky. Here, use: {usage}",
    "usage.visibility": "visibility <platform|all> public|community (example: visibility bluesky community)",
    "usage.mydata": "mydata shows what Ferry keeps about you",
    "parse.bad_visibility": "Say public or community. Usage: {usage}",
    "visibility.now.public": "Done, now public: {platforms}. Anyone may see it: in the community, in "
    "answers on Bluesky, in the Bluesky list and on the web page.",
    "visibility.now.community": "Done, now community-only: {platforms}. Only members inside "
    "{community}'s own Discord server see it; it leaves Bluesky answers, the list and the web page.",
    "visibility.already.public": "Already public: {platforms}. Nothing changed.",
    "visibility.already.community": "Already community-only: {platforms}. Nothing changed.",
    "visibility.word.public": "public",
    "visibility.word.community": "community-only",
    "verification.self-reported": "self-reported",
    "verification.bluesky-proven": "proven on Bluesky",
    "verification.admin-verified": "verified by an admin",
    "mydata.header": "What Ferry keeps about you in {community}:",
    "mydata.header.public": "Your public handles in {community}:",
    "mydata.entry": "• {platform}: {handle}{mark} ({visibility}, {verification}, added {added})",
    "mydata.no_handles": "• no handles",
    "mydata.member": "Name: {name} · member since {since}",
    "mydata.accounts": "Accounts: {accounts}",
    "mydata.hidden": "An admin has hidden you from the directory.",
    "mydata.banned": "An admin has banned you here: you can't add handles, and none are listed.",
    "mydata.withheld": "+ {count} shown only inside the community, not here. To show them here too: "
    "visibility all public",
    "mydata.more.console": "Erase it all: forget",
    "mydata.more.public": "Full file: /mydata export in {community}'s Discord. Erase it all: forget",
    "thread.rest": "Everyone: {where}",
    "rest.discord": "the {community} Discord server",
    "bluesky.profile": "I keep {community}'s opt-in directory of where everyone moved. Mention me with: help",
    "usage.verify": "verify <code> links your Discord account (get a code with /handle verify-bluesky)",
    "verify.linked": "Linked! Your accounts in {community} are now one, proven as @{handle} ✓",
    "verify.dropped": "Older handles were replaced on: {platforms}.",
    "verify.unsupported": "verify works only when you mention Ferry on Bluesky, from the account to link.",
    "error.link_code.unknown": "That code is not valid. Get a new one on Discord with "
    "/handle verify-bluesky.",
    "error.link_code.expired": "That code has expired. Get a new one on Discord with /handle verify-bluesky.",
    "error.link_code.used": "That code was already used; this account is linked.",
    "error.link_code.other_account": "That code belongs to another Bluesky account. Get your own on "
    "Discord with /handle verify-bluesky, naming this account's handle.",
    "error.link_code.too_many_attempts": "Too many wrong codes from this account. Try again in an hour.",
    "error.link_code.banned": "This community's admins have barred this account from linking.",
}

ZH_HANS: Mapping[str, str] = {
    **input_reasons.ZH_HANS,
    "usage.add": "add <平台> <账号>（例：add rednote 5e8f1a2b3c4d5e6f7a8b9c0d）",
    "usage.remove": "remove <平台>（例：remove lemon8）",
    "usage.list": "list（或 me）查看你的账号",
    "usage.directory": "directory [平台] [页码]（例：directory bluesky 2）",
    "usage.links": "links 查看社区的新家",
    "usage.forget": "forget 删除 Ferry 保存的关于你的一切",
    "usage.help": "help 显示本列表",
    "usage.summary": "add <平台> <账号> · remove <平台> · list · directory · links · visibility"
    " · mydata · forget · help",
    "help.header": "Ferry 为 {community} 保存自愿登记的搬家名录。命令：",
    "legend": "✓ 已通过 Bluesky 证明 · ✓✓ 已由管理员核实 · 无标记：自行登记",
    "help.platforms": "平台：{platforms}",
    "parse.empty": "请输入命令：{usage}",
    "parse.too_long": "内容太长，不是命令。命令：{usage}",
    "parse.unknown_command": "我不认识这个命令。命令：{usage}",
    "parse.missing_arguments": "缺少内容。用法：{usage}",
    "parse.unexpected_word": "我没看懂「{word}」。用法：{usage}",
    "parse.bad_page": "页码从 1 开始。用法：{usage}",
    "added": "已添加 {platform}：{handle}{link}",
    "replaced": "已更新 {platform}：{handle}（原为 {previous}）{link}",
    "unchanged": "你已登记 {platform}：{handle}{link}",
    "removed": "已删除你的 {platform} 账号 {handle}。",
    "list.empty": "你在 {community} 名录中还没有账号。添加：{usage}",
    "list.header": "你在 {community} 的账号：",
    "list.withheld": "另有 {count} 仅社区可见，不在公开回复中显示。要在这里也显示：visibility all public",
    "list.only_withheld": "你在 {community} 没有公开的账号。{note}",
    "directory.empty": "名录{filter}中还没有人。来做第一个：{usage}",
    "directory.header": "{community} 名录{filter}，第 {page}/{pages} 页（共 {total}）：",
    "directory.filter": "（{platform}）",
    "directory.more": "更多：{command}",
    "links.empty": "{community} 还没有搬家链接。",
    "links.header": "{community} 的新家：",
    "links.deadline": "请在 {deadline} 之前搬家。",
    "links.too_long": "链接太长，无法在此显示；请在 Discord 或网页上查看",
    "links.more": "链接太多，未能全部显示：请在 Discord 或网页上查看。",
    "forgot": "完成：Ferry 已删除你在 {community} 的全部信息（{count}）。",
    "forgot.traces": "你在 {community} 没有登记；Ferry 已删除它仍保存的你的消息和关联尝试记录。",
    "count.handles.one": "1 个账号",
    "count.handles.other": "{n} 个账号",
    "error.not_registered": "你在这里没有 {platform} 账号。",
    "error.not_registered_any": "Ferry 在 {community} 没有保存任何关于你的信息。",
    "error.unknown_platform": "我不认识平台「{name}」。可用平台：{known}",
    "error.invalid_handle": "这不是有效的 {platform} 账号：{reason} 例：{example}",
    "error.handle_taken": "本社区已有其他人登记了 {platform} {handle}。如果这是你的账号，请联系管理员。",
    "error.handle_refused": "我无法在这里为你登记这个 {platform} 账号。如果这是你的账号，请联系社区管理员。",
    "error.invalid_input": "无效的{field}：{reason}。",
    "error.member_not_found": "该成员不在名录中。",
    "error.member_target": "「{given}」不是本名录中的任何人。",
    "error.link_code_rate": "你最近申请了多个关联代码。请 {when}后再试。",
    "error.unknown_community": "没有名为「{slug}」的社区。",
    "error.generic": "操作失败。试试：help",
    "error.registration_closed": "「{slug}」不接受从这里登记。请询问该社区的管理员在哪里登记。",
    "error.banned": "管理员已暂停你在 {community} 的登记，我不能在那里为你添加账号。"
    "你仍可以用 list、remove 或 forget 查看、删除或清除 Ferry 保存的关于你的信息。",
    "error.rate_limited": "短时间内更改太多了，请 {when}后再试。",
    "count.minutes.one": "1 分钟",
    "count.minutes.other": "{n} 分钟",
    "reason.generic": "看起来不像账号。",
    "reason.empty": "内容为空。",
    "reason.too_short": "太短了。",
    "reason.too_long": "太长了。",
    "reason.invalid_format": "含有该平台不允许的字符或格式。",
    "reason.reserved_name": "这是网站页面，不是用户。",
    "reason.contains_whitespace": "账号不能有空格。",
    "reason.control_character": "含有控制字符。",
    "reason.invisible_character": "含有不可见或改变文字方向的字符。",
    "reason.bad_encoding": "含有损坏的文字。",
    "reason.unsupported_character": "含有账号不能使用的字符。",
    "reason.excess_marks": "叠加的符号太多。",
    "reason.not_ascii": "该平台只允许拉丁字母、数字和少数符号。",
    "reason.mixed_script": "混用了不同文字的字母。",
    "reason.confusable": "使用了其他文字中形似的字母。",
    "reason.unsupported_scheme": "只能粘贴 https 链接。",
    "reason.bad_url": "链接有误，或带有密码或端口。",
    "reason.unsupported_host": "这是其他网站的链接。",
    "reason.not_profile_url": "这不是个人主页链接。",
    "reason.short_link": "不会打开短链接；请打开后粘贴完整的主页链接。",
    "reason.missing_domain": "完整账号需包含服务器，例如 name.bsky.social 或 name@server。",
    "reason.reserved_domain": "该域名不能用于公开账号。",
    "reason.ip_address": "服务器必须是域名，不能是 IP 地址。",
    "reason.port_not_allowed": "服务器不能带端口。",
    "reason.bad_did": "DID 格式有误。",
    "reason.bad_profile_id": "主页 ID 是 24 位 0-9 和 a-f 的字符。",
    "usage.join": "join 登记你自己的 Bluesky 账号（由你的帖子证明）",
    "joined": "欢迎！你已登记到 {community} 名录：@{handle} ✓",
    "join.again": "你已在 {community} 名录中：@{handle} ✓",
    "join.unsupported": "join 只能在 Bluesky 上提及 Ferry 时使用。这里请用：{usage}",
    "usage.visibility": "visibility <平台|all> public|community（例：visibility bluesky community）",
    "usage.mydata": "mydata 查看 Ferry 保存的关于你的信息",
    "parse.bad_visibility": "请说明 public（公开）或 community（仅社区）。用法：{usage}",
    "visibility.now.public": "完成，已公开：{platforms}。所有人都能看到：社区内、Bluesky 回复、"
    "Bluesky 列表和网页。",
    "visibility.now.community": "完成，已设为仅社区可见：{platforms}。只有 {community} 自己的 Discord "
    "服务器内的成员能看到；它已从 Bluesky 回复、列表和网页中移除。",
    "visibility.already.public": "本来就是公开的：{platforms}。没有变化。",
    "visibility.already.community": "本来就仅社区可见：{platforms}。没有变化。",
    "visibility.word.public": "公开",
    "visibility.word.community": "仅社区",
    "verification.self-reported": "自行登记",
    "verification.bluesky-proven": "已通过 Bluesky 证明",
    "verification.admin-verified": "已由管理员核实",
    "mydata.header": "Ferry 在 {community} 保存的关于你的信息：",
    "mydata.header.public": "你在 {community} 的公开账号：",
    "mydata.entry": "• {platform}：{handle}{mark}（{visibility}，{verification}，添加于 {added}）",
    "mydata.no_handles": "• 没有账号",
    "mydata.member": "名字：{name} · 加入于 {since}",
    "mydata.accounts": "账户：{accounts}",
    "mydata.hidden": "管理员已将你从名录中隐藏。",
    "mydata.banned": "管理员已在此封禁你：你不能添加账号，你的账号也不会被列出。",
    "mydata.withheld": "另有 {count} 仅在社区内显示，这里不列出。要在这里也显示：visibility all public",
    "mydata.more.console": "全部删除：forget",
    "mydata.more.public": "完整文件：在 {community} 的 Discord 用 /mydata export。全部删除：forget",
    "thread.rest": "全部名录：{where}",
    "rest.discord": "{community} 的 Discord 服务器",
    "bluesky.profile": "我保存 {community} 自愿登记的搬家名录。提及我并输入：help",
    "usage.verify": "verify <代码> 关联你的 Discord 账号（在 Discord 用 /handle verify-bluesky 获取代码）",
    "verify.linked": "关联成功！你在 {community} 的账号已合并，并已证明为 @{handle} ✓",
    "verify.dropped": "以下平台上较旧的账号已被替换：{platforms}。",
    "verify.unsupported": "verify 只能在 Bluesky 上用要关联的账号提及 Ferry 时使用。",
    "error.link_code.unknown": "代码无效。请在 Discord 用 /handle verify-bluesky 获取新代码。",
    "error.link_code.expired": "代码已过期。请在 Discord 用 /handle verify-bluesky 获取新代码。",
    "error.link_code.used": "该代码已使用过；此账号已关联。",
    "error.link_code.other_account": "该代码属于另一个 Bluesky 账号。"
    "请在 Discord 用 /handle verify-bluesky 并填写本账号的用户名获取你自己的代码。",
    "error.link_code.too_many_attempts": "此账号输错代码次数过多。请一小时后再试。",
    "error.link_code.banned": "本社区管理员已禁止此账号关联。",
}

CATALOGUES: Mapping[str, Mapping[str, str]] = {"en": EN, "zh-hans": ZH_HANS}


def locale_for(tag: str | None) -> str:
    """Map a BCP 47 tag (``zh-CN``, ``zh``, ``en-GB``) to a catalogue we have."""
    if not tag:
        return DEFAULT_LOCALE
    tag = tag.lower().replace("_", "-")
    if tag.startswith("zh") and not tag.startswith(("zh-hant", "zh-tw", "zh-hk", "zh-mo")):
        return "zh-hans"
    return DEFAULT_LOCALE


def say(locale: str, key: str, **values: object) -> str:
    """The sentence ``key`` in ``locale`` (falling back to English), with ``values`` filled in."""
    template = CATALOGUES.get(locale, EN).get(key) or EN[key]
    return template.format(**values)


def has(key: str) -> bool:
    """Whether ``key`` exists (every key exists in English; other languages may lag)."""
    return key in EN


def count(locale: str, noun: str, n: int) -> str:
    """``n`` with its noun in the right grammatical number (English: 1 handle, 2 handles)."""
    return say(locale, f"count.{noun}.{'one' if n == 1 else 'other'}", n=n)

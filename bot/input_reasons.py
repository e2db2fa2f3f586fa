# ruff: noqa: RUF001 - Chinese sentences use fullwidth punctuation
"""How refused input is worded: ``field.*`` names what was bad, ``input.*`` says why (see InputReason).

The same words serve every front, so these two families live here once and are merged into each
front's catalogue (Discord's and the text fronts'), English and Simplified Chinese. No template ends
with a full stop: the sentence around it ("Invalid {field}: {reason}.") decides that.
"""

from __future__ import annotations

from collections.abc import Mapping

EN: Mapping[str, str] = {
    "field.page": "page",
    "field.limit": "number of entries",
    "field.search": "search",
    "field.message": "message",
    "field.template": "template",
    "field.action": "action",
    "field.reason": "reason",
    "field.header": "header row",
    "field.row": "row",
    "field.file": "file",
    "field.discord_id": "discord_id",
    "field.bluesky_did": "bluesky_did",
    "field.name": "name",
    "field.visibility": "visibility",
    "input.out_of_range": "it must be between {low} and {high}",
    "input.too_long": "it can be at most {limit} characters",
    "input.one_of": "it must be one of: {choices}",
    "input.bad_template": "it must use only these placeholders, each written plainly: {placeholders}",
    "input.empty_file": "the file is empty",
    "input.too_many_rows": "at most {limit} rows per import",
    "input.missing_columns": "missing column(s): {columns} (or one column per platform)",
    "input.no_identity_column": "it needs a discord_id, bluesky_did or name column to know whose row it is",
    "input.duplicate_row": "duplicate of line {line}",
    "input.same_person": "the same person as line {line}; merge the rows or add a discord_id",
    "input.handle_elsewhere": "line {line} gives this handle to someone else",
    "input.platform_twice": "the same member already has a {platform} handle on line {line}",
    "input.no_handle": "no handle in this row",
    "input.no_identity": "no discord_id, bluesky_did or name",
    "input.not_discord_id": "it must be a Discord user id (15-21 digits)",
    "input.not_did": "it must be a did:plc or did:web identifier",
    "input.name_key_too_long": "at most {limit} characters when there is no id",
}

ZH_HANS: Mapping[str, str] = {
    "field.page": "页码",
    "field.limit": "条目数",
    "field.search": "搜索词",
    "field.message": "消息",
    "field.template": "模板",
    "field.action": "操作类型",
    "field.reason": "原因",
    "field.header": "表头",
    "field.row": "行",
    "field.file": "文件",
    "field.discord_id": "discord_id",
    "field.bluesky_did": "bluesky_did",
    "field.name": "名字",
    "field.visibility": "可见性",
    "input.out_of_range": "必须在 {low} 到 {high} 之间",
    "input.too_long": "最多 {limit} 个字符",
    "input.one_of": "必须是以下之一：{choices}",
    "input.bad_template": "只能使用这些占位符，且不加任何格式：{placeholders}",
    "input.empty_file": "文件是空的",
    "input.too_many_rows": "每次导入最多 {limit} 行",
    "input.missing_columns": "缺少列：{columns}（或每个平台一列）",
    "input.no_identity_column": "需要 discord_id、bluesky_did 或 name 列来确定每行是谁",
    "input.duplicate_row": "与第 {line} 行重复",
    "input.same_person": "与第 {line} 行是同一个人；请合并这两行或加上 discord_id",
    "input.handle_elsewhere": "第 {line} 行把这个账号给了另一个人",
    "input.platform_twice": "同一成员在第 {line} 行已有 {platform} 账号",
    "input.no_handle": "这一行没有账号",
    "input.no_identity": "没有 discord_id、bluesky_did 或名字",
    "input.not_discord_id": "必须是 Discord 用户 ID（15-21 位数字）",
    "input.not_did": "必须是 did:plc 或 did:web 标识",
    "input.name_key_too_long": "没有 ID 时最多 {limit} 个字符",
}

"""English: the reference catalogue. Every other language has exactly these keys and fields."""

from __future__ import annotations

from collections.abc import Mapping

from bot import input_reasons

EN: Mapping[str, str] = {
    **input_reasons.EN,
    # errors
    "error.invalid_handle": "That isn't a valid {platform} handle: {reason}. Example: `{example}`",
    "error.platform_not_enabled": "{name} is not enabled in this community. Platforms here: {known}",
    "error.unknown_platform": "I don't know the platform “{name}”. Platforms here: {known}",
    "error.not_registered": "You have no {platform} handle in this directory.",
    "error.not_registered_any": "Ferry keeps nothing about you here.",
    "error.handle_taken": (
        "Someone else here already registered {platform} {handle}. If it is yours, ask an admin."
    ),
    "error.member_not_found": "That member is not in the directory.",
    "error.member_target": (
        "No member matches “{given}”. Pick one of the suggestions, or give a mention, a Discord user id"
        " or a Bluesky DID."
    ),
    "error.invalid_input": "Invalid {field}: {reason}.",
    "error.unknown_community": "This server's community is not set up correctly; tell an admin.",
    "error.unexpected": "Something went wrong on Ferry's side. Error id: `{error_id}` (tell an admin).",
    "error.not_admin": (
        "Only this server's Ferry admins (a configured admin role or Manage Server) can do that."
    ),
    "error.guild_only": "This command works inside a server only.",
    "error.not_owner": "Only the bot's owner can do that.",
    "error.check_failed": "You can't use this command here.",
    "error.bad_option": "I couldn't use “{value}” for that option. Pick one of the suggestions, or check it.",
    "error.generic": "That did not work.",
    "error.banned": (
        "An admin has paused your registrations in this community, so Ferry can't add handles for you "
        "here. You can still see, remove or erase what Ferry keeps about you (/mydata)."
    ),
    "error.rate_limited": "That's a lot of changes in a short time. Please try again {when}.",
    "reason.generic": "it doesn't look like a handle",
    "reason.too_long": "it is too long",
    "reason.too_short": "it is too short",
    "reason.empty": "it is empty",
    "reason.invalid_format": "it has characters or a shape this platform doesn't allow",
    "reason.invisible_character": "it contains invisible or direction-changing characters",
    "reason.control_character": "it contains control characters",
    "reason.confusable": "it contains look-alike letters",
    "reason.mixed_script": "it mixes alphabets",
    "reason.lookalike_domain": "its domain (xn--…) spells look-alikes of other letters or mixes alphabets",
    "reason.not_ascii": "this platform only allows Latin letters, digits and a few symbols",
    "reason.unsupported_scheme": "only https links are accepted",
    "reason.unsupported_host": "that link is for another site",
    "reason.not_profile_url": "that link is not a profile",
    "reason.short_link": "short links aren't followed; paste the full profile link",
    "reason.missing_domain": "it needs the domain too",
    "reason.reserved_name": "that is a site page, not a person",
    "reason.contains_whitespace": "it contains spaces",
    "reason.bad_encoding": "it contains broken text",
    "reason.unsupported_character": "it contains a character no handle can have",
    "reason.excess_marks": "it has too many stacked accent marks",
    "reason.bad_url": "that link is broken or carries a password or port",
    "reason.reserved_domain": "that domain cannot host a public account",
    "reason.ip_address": "the server must be a domain name, not an IP address",
    "reason.port_not_allowed": "the server must not have a port",
    "reason.bad_did": "that DID is malformed",
    "reason.bad_profile_id": "a profile id is 24 characters of 0-9 and a-f",
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
    "link.code": (
        "Your one-time linking code is `{code}`; it expires {expires}.\n"
        "Post this from your Bluesky account {handle}:\n`@{bot} verify {code}`\n"
        "Only {handle} can use it; if that is not your handle, ask for a new code with the right one."
    ),
    "link.unavailable": "Linking a Bluesky account is not available: this Ferry has no Bluesky account.",
    **{
        f"error.link_code.{reason}": (
            "That linking code can't be used. Get a new one with /handle verify-bluesky."
        )
        for reason in ("unknown", "expired", "used", "other_account", "too_many_attempts")
    },
    "error.link_code.banned": "This community's admins have barred that account from linking.",
    "error.registration_closed": "“{slug}” does not take registrations from here.",
    "error.handle_refused": (
        "I can't register that {platform} handle for you here. If it is yours, ask an admin."
    ),
    "error.export_rate": "You have exported the directory a few times in a row. Please try again {when}.",
    "error.link_code_rate": (
        "You've asked for several linking codes lately. Your latest code still works until it "
        "expires; you can ask for a new one {when}."
    ),
    "visibility.community": "this community",
    "visibility.public": "everyone (may appear on Bluesky and in public exports)",
    "handle.visibility.changed": "Now visible to {visibility}: {platforms}.",
    "handle.visibility.unchanged": "Already visible to {visibility}: {platforms}. Nothing changed.",
    "legend": "✓ proven on Bluesky · ✓✓ verified by an admin · no mark: self-reported",
    # directory
    "directory.title": "{community}: who moved where",
    "directory.title_platform": "{community}: who moved to {platform}",
    "directory.search": "Matching “{term}”",
    "directory.footer": ("Page {page} of {pages} · {total} handles · {legend}"),
    # A search's matches are not counted: the page number and whether more follow.
    "directory.footer_search_more": "Page {page} · more matches on the next page · {legend}",
    "directory.footer_search_end": "Page {page} · last matches · {legend}",
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
        "This erases everything Ferry keeps about you here ({count} handles). It can't be undone. "
        "Messages and Bluesky replies already posted stay where they are."
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
    "admin.unverified": (
        "{member}'s {platform} handle {handle} is no longer verified by an admin (now: {level})."
    ),
    "admin.banned": "{member} is banned: they can't register and are not listed (their data is kept).",
    "admin.unbanned": "{member} is no longer banned; their handles are listed again.",
    "level.self-reported": "self-reported",
    "level.bluesky-proven": "✓ proven on Bluesky",
    "level.admin-verified": "✓✓ verified by an admin",
    "import.title": "Import check of {file}",
    "import.summary": (
        "{rows} rows: {added} to add, {replaced} to replace, {unchanged} unchanged, "
        "{kept} kept (changed or withdrawn by the member), {rejected} rejected."
    ),
    "import.applied_title": "Imported {file}",
    "import.applied": (
        "{rows} rows: {added} added, {replaced} replaced, {unchanged} unchanged, "
        "{kept} kept (changed or withdrawn by the member), {rejected} rejected."
    ),
    "import.banned": "this person is banned from registering here (see /ferry unban)",
    "import.rejected": "Line {line}: {reason}",
    "import.more": "…and {count} more rejected rows in the attached file.",
    "import.confirm": "Apply this import",
    "import.progress": "Importing… {done} / {total} rows.",
    "import.nothing": "Nothing to import.",
    "import.too_big": "That file is too big (at most {limit} MB).",
    "import.not_text": "That file is not a UTF-8 CSV file.",
    "import.rejected_column": "Line {line}, column {column}: {reason}",
    "import.layout_long": "Layout: long (a platform and a handle column, one row per handle).",
    "import.layout_wide": "Layout: wide (one column per platform, one row per person).",
    "import.layout_mixed": "Layout: mixed (platform and handle columns, plus columns per platform).",
    "import.columns": "Columns: {columns}",
    "import.column": "{title} → {meaning}",
    "import.column_title": "{title}",
    "import.unknown_columns": "Not recognised, so ignored: {columns}",
    "export.csv": "The directory as CSV ({count} entries).",
    "export.json": "The directory as JSON ({count} entries).",
    "export.mastodon": (
        "A Mastodon following list ({count} accounts): import it in Mastodon under Preferences → "
        "Import and export → Import, type “Following list”."
    ),
    "export.none": "Nothing to export: no members in that visibility have a Bluesky DID Ferry knows.",
    "export.dids": "The Bluesky DIDs of members who proved the account ({count}), one per line.",
    "export.scope_public": "Visibility: public (only entries their members made public).",
    "export.scope_all": (
        "Visibility: all (public and community-only entries): keep this file inside the community."
    ),
    "export.too_big": "The file is too big for Discord ({size} MB); an operator can run `ferry export`.",
    "stats.title": "{community} at a glance",
    "stats.members": "Members",
    "stats.handles": "Handles per platform",
    "stats.recent": "Recent arrivals",
    "stats.none": "none yet",
    "audit.title": "Audit log",
    "audit.title_member": "Audit log of {member}",
    "audit.empty": "No changes recorded.",
    "audit.filtered": "{title} · {filters}",
    "audit.group.registrations": "registrations",
    "audit.group.removals": "removals",
    "audit.group.visibility": "visibility",
    "audit.group.verification": "verification",
    "audit.group.moderation": "moderation",
    "audit.group.links": "account links",
    "audit.group.privacy": "privacy",
    "reload.ok": "Config reloaded: {files} file(s), {communities} communities.",
    "reload.failed": "The config has {count} problem(s); the previous config stays in force.",
    "reload.added": "Communities added: {names}.",
    "reload.removed": "Communities removed: {names}.",
    "reload.keys": "Keys changed: {names}.",
    "reload.restart": "These apply only after a restart of the bot: {names}.",
    "reload.fleet": "Reloaded in {count} process(es) on this database:",
    "reload.process_ok": "• {process}: applied, {communities} communities.",
    "reload.process_failed": "• {process}: rejected, {count} problem(s); its previous config stays.",
    "reload.process_restart": "• {process}: {count} change(s) apply only after its restart.",
    "reload.same": "Nothing changed.",
    "reload.more": "…and {count} more lines in the attached file.",
    "reload.others": "Problems about other communities are not shown: {count}.",
    "reload.in_force": "The config in force was loaded {when}.",
    "reload.auto_failed.watch": "The reload after a file change was rejected {when} ({count} problem(s)).",
    "reload.auto_failed.signal": "The reload on SIGHUP was rejected {when} ({count} problem(s)).",
    "sync.cleared": "Removed this server's own copy of the commands; the global ones remain.",
    "sync.done": "Synced {count} commands {scope}.",
    "sync.global": "globally (they may take a while to appear)",
    "sync.guild": "to this server",
    # arrivals
    "arrivals.title": "New arrivals",
    "arrivals.line": "{name} is now on {platform}: {handle}",
    "arrivals.more": "…and {count} more.",
    # /ferry schedule
    "schedule.title": "Scheduled announcements of {community}",
    "schedule.none": (
        "No scheduled announcements. Add [[communities.schedules]] to the config "
        "(see config/ferry.example.toml)."
    ),
    "schedule.daily": "**{name}** · every day at {time} ({zone})",
    "schedule.at": "**{name}** · at {count} set time(s)",
    "schedule.until": "last one at or before {when}",
    "schedule.deadline": "last one before the deadline {when}",
    "schedule.next": "→ {when} ({relative})",
    "schedule.over": "→ nothing left to post",
    "schedule.runs": "**Latest runs**",
    "schedule.no_runs": "Nothing has come due yet.",
    "schedule.run": "{when} · {name} · {state}",
    "schedule.state.posted": "posted",
    "schedule.state.failed_because": "not posted: {reason}",
    "schedule.state.posted_partly": "posted, but not everywhere: {reason}",
    "schedule.state.claimed": "started, result unknown (the bot stopped while posting)",
    "schedule.state.skipped": "skipped",
    "schedule.state.late": "skipped, {minutes} min late (the bot was down)",
    "schedule.state.superseded": "skipped, a newer one was due",
    # announcements
    "announce.title": "Announcement preview",
    "announce.targets": "This is what Send posts to {targets}.",
    "announce.target_discord": "{channel} on Discord",
    "announce.target_bluesky": "a thread on Bluesky",
    "announce.nowhere": (
        "There is nowhere to post this yet: set `announcements` under `[communities.channels]` "
        "(and/or `bluesky = true` under `[communities.announcement]`) in the config, then `/ferry reload`."
    ),
    "announce.empty": (
        "The announcement is empty: its template has nothing to say here. Add a message, or change "
        "`template` under `[communities.announcement]`."
    ),
    "announce.more_lines": "… {count} more line(s), not shown here",
    "announce.cut.discord": "Discord would post only the first {most} messages ({needed} needed).",
    "announce.cut.bluesky": "Bluesky would post only the first {most} posts of the thread ({needed} needed).",
    "announce.send": "Send",
    "announce.ok": "✅ {publisher}: posted {where}",
    "announce.failed": "❌ {publisher}: not posted, {reason}.",
    "announce.nobody": "Nothing was posted: no publisher is running.",
    "announce.publisher.discord": "Discord",
    "announce.publisher.bluesky": "Bluesky",
    "announce.error.no_channel": "no announcements channel is configured",
    "announce.error.channel_not_found": "the announcements channel is not a text channel I can see here",
    "announce.error.forbidden": "I am not allowed to post in the announcements channel",
    "announce.error.http": "Discord refused the message; try again later",
    "announce.error.disabled": "posting on Bluesky is off for this community",
    "announce.error.budget": "the Bluesky write budget is used up; try again later",
    "announce.error.network": "Bluesky could not be reached; try again later",
    "announce.error.rate_limited": "Bluesky asked the bot to slow down; try again later",
    "announce.error.rejected": "Bluesky refused the post (the log has details)",
    "announce.error.session": "the bot could not log in to Bluesky; an operator should check it",
    "announce.error.empty": "the announcement is empty",
    "announce.partial": (
        "⚠️ {publisher}: only partly posted {where}, the rest failed. Sending the announcement "
        "again would repeat the part already posted."
    ),
    "announce.error.partial": "only the first part of it was posted",
    "announce.error.other": "something went wrong (the log has details)",
    "insights.title": "Where {community} went",
    "insights.public_note": (
        "Public handles only; a platform with fewer than {minimum} is not counted out loud."
    ),
    "insights.admin_note": "Exact counts of every listed handle, for admins only.",
    "insights.platforms": "Handles per platform",
    "insights.fewer": "fewer than {minimum}",
    "insights.spread": "Members by number of platforms",
    "insights.spread_line": "{platforms} platform(s): {members}",
    "insights.moved": "Moved at all",
    "insights.moved_share": "{members} members with a handle, {share} of the server's {population}",
    "insights.moved_count": "{members} members with a handle",
    "insights.deadline": "Deadline",
    "insights.deadline_progress": "{deadline}: {share} of the time since the first arrival has passed",
    "insights.none": "none yet",
}

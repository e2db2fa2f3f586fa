"""Naming any member in a /ferry command, whichever front they joined from.

A Discord user option can only name Discord accounts, but the directory also holds people who
joined from Bluesky, the console or an import. The ``member`` option is therefore text: a mention
or user id, a DID, or a suggestion picked from the community's directory (``member:<id>``).
Parsing needs no database, so it happens while Discord waits; finding the member happens after
the command has deferred.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

import discord
from discord import app_commands

from bot.discord.checks import is_ferry_admin
from bot.discord.client import FerryBot
from bot.discord.messages import Raw
from bot.discord.render import OPTION_LABEL_LIMIT, fit, visible
from bot.errors import MemberNotFoundError
from bot.models import Identity, IdentityKind

log = logging.getLogger(__name__)

MEMBER_VALUE = "member:"  # the prefix of a picked suggestion's value
MAX_CHOICES = 25  # Discord refuses more
_MENTION = re.compile(r"<@!?(\d{1,20})>|(\d{1,20})")
_DID = re.compile(r"did:(?:plc|web):[A-Za-z0-9._:%-]+")
_MEMBER_ID = re.compile(re.escape(MEMBER_VALUE) + r"(\d{1,18})")


@dataclass(frozen=True, slots=True)
class MemberTarget:
    """What an admin typed for ``member``, parsed: an account's identity, a member id, or neither."""

    text: str
    identity: Identity | None = None
    member_id: int | None = None


@dataclass(frozen=True, slots=True)
class Target:
    """The member a command acts on: an identity to hand to the services and a name for replies."""

    identity: Identity
    name: str | Raw  # Raw: a mention of an account the directory has no name for


def parse_target(text: str) -> MemberTarget:
    """Read a mention, a user id, a DID or a suggestion's value; anything else names nobody."""
    text = text.strip()
    if match := _MENTION.fullmatch(text):
        return MemberTarget(text, identity=Identity(IdentityKind.DISCORD, match[1] or match[2]))
    if _DID.fullmatch(text):
        return MemberTarget(text, identity=Identity(IdentityKind.BLUESKY, text))
    if match := _MEMBER_ID.fullmatch(text):
        return MemberTarget(text, member_id=int(match[1]))
    return MemberTarget(text)


async def resolve(interaction: discord.Interaction[FerryBot], target: MemberTarget) -> Target:
    """The member ``target`` names in the interaction's community; MemberNotFoundError if nobody.

    A mention or DID of someone not (yet) in the directory still resolves, because an admin may
    ban an account before it registers; the reply then names the account as best it can.
    """
    bot = interaction.client
    community = bot.community_slug(interaction)
    directory = bot.app.directory
    if target.member_id is not None:
        member = await directory.member_by_id(community=community, member_id=target.member_id)
        if member is None or not member.identities:
            raise MemberNotFoundError(given=target.text)
        return Target(member.identities[0], _name(member.display_name, member.identities[0]))
    if target.identity is None:
        raise MemberNotFoundError(given=target.text)
    member = await directory.member(community=community, identity=target.identity)
    return Target(target.identity, _name(member.display_name if member else None, target.identity))


def _name(stored: str | None, identity: Identity) -> str | Raw:
    """The member's stored name, unless there is none or it is only the placeholder a ban gives.

    Discord shows a mention as the account's current name, and the bot's replies never ping
    (``AllowedMentions.none()``); a DID has no name to show but itself.
    """
    if stored is not None and stored != identity.external_id:
        return stored
    if (
        identity.kind is IdentityKind.DISCORD
        and identity.external_id.isascii()
        and identity.external_id.isdigit()
    ):
        return Raw(f"<@{identity.external_id}>")  # only digits: nothing else can reach the markup
    return identity.external_id


class MemberOption(app_commands.Transformer[FerryBot]):
    """A string option naming a member; suggests people from the community's directory."""

    async def transform(self, interaction: discord.Interaction[FerryBot], value: str) -> MemberTarget:
        """Parse only: the database is read after the command defers (see :func:`resolve`)."""
        return parse_target(value)

    async def autocomplete(
        self, interaction: discord.Interaction[FerryBot], value: int | float | str
    ) -> list[app_commands.Choice[int | float | str]]:
        """Members whose name or handle matches, as "Name — Platform: handle"; only for Ferry admins.

        discord.py runs no command checks for autocomplete, and a server may show ``/ferry`` to
        anyone (Integrations settings), so the admin check is repeated here: the suggestions
        include hidden and banned members.
        """
        if interaction.guild_id is None or not is_ferry_admin(interaction):
            return []
        bot = interaction.client
        try:
            # Hidden and banned members too: they are whom an admin unhides or unbans.
            found = await bot.app.moderation.candidates(
                community=bot.community(interaction.guild_id).slug,
                search=str(value).strip() or None,
                limit=MAX_CHOICES,
            )
        except Exception:  # a failed suggestion must not become "The application did not respond"
            log.exception("member autocomplete failed", extra={"guild_id": interaction.guild_id})
            return []
        catalogue = bot.app.config().catalogue
        choices: dict[int, app_commands.Choice[int | float | str]] = {}
        for entry in found:
            if entry.member_id in choices:
                continue
            platform = catalogue.display_name(entry.platform)
            label = fit(visible(f"{entry.member_name} — {platform}: {entry.handle}"), OPTION_LABEL_LIMIT)
            choices[entry.member_id] = app_commands.Choice(
                name=label, value=f"{MEMBER_VALUE}{entry.member_id}"
            )
        return list(choices.values())[:MAX_CHOICES]


MemberArg = app_commands.Transform[MemberTarget, MemberOption]

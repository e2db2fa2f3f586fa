"""The Discord front: slash commands, paged directory embeds and admin tools (see docs/discord.md)."""

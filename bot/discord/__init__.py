"""The Discord front: slash commands, paged directory embeds and admin tools (set-up: README, "Discord")."""

from tests.bot.discord.fixtures import config_file, ferry, ferry_app, moderation

__all__ = ["config_file", "ferry", "ferry_app", "moderation"]

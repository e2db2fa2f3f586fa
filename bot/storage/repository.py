"""The repository: every query Ferry makes, as short transactions returning ``bot.models`` values."""

from __future__ import annotations

from bot.storage.announcement_parts import AnnouncementPartStore
from bot.storage.announcements import AnnouncementRunStore
from bot.storage.audit import AuditStore, StateStore
from bot.storage.bluesky import BlueskyStore
from bot.storage.coordination import CoordinationStore
from bot.storage.directory import DirectoryStore
from bot.storage.entries import EntryStore
from bot.storage.insights import InsightStore
from bot.storage.link_codes import LinkCodeStore
from bot.storage.members import MemberStore
from bot.storage.registration import RegistrationStore
from bot.storage.view_states import ViewStateStore
from bot.storage.withdrawn import WithdrawnStore


class Repository(
    RegistrationStore,
    MemberStore,
    EntryStore,
    DirectoryStore,
    AuditStore,
    StateStore,
    BlueskyStore,
    LinkCodeStore,
    AnnouncementRunStore,
    WithdrawnStore,
    AnnouncementPartStore,
    ViewStateStore,
    CoordinationStore,
    InsightStore,
):
    """All storage operations over one :class:`~bot.storage.database.Database`.

    Each method is one short transaction with bound parameters only. The parts live in
    ``members``, ``entries``, ``directory``, ``audit``, ``bluesky`` and ``link_codes``; audit actions written:
    ``entry.add``, ``entry.replace``, ``entry.update``, ``entry.remove``, ``entry.visibility``,
    ``entry.verification``, ``member.hide``, ``member.show``, ``member.ban``, ``member.unban``,
    ``member.forget``, ``member.link``, ``link.refused``.
    """

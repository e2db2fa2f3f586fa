"""The platform catalogue and handle validation: what a handle looks like on each platform.

Fronts and services import from here: resolve a platform name with :class:`Catalogue`, validate a
handle with :func:`normalise`, and build its link with :func:`profile_url`.
"""

from bot.platforms.catalogue import Catalogue, PlatformConfigError, PlatformProblem, fold_name
from bot.platforms.normalise import MAX_RAW_LENGTH, NormalisedHandle, normalise, profile_url
from bot.platforms.reasons import Reason
from bot.platforms.spec import HandleKind, PlatformOverride, PlatformSpec
from bot.platforms.unicode_safety import skeleton

__all__ = [
    "MAX_RAW_LENGTH",
    "Catalogue",
    "HandleKind",
    "NormalisedHandle",
    "PlatformConfigError",
    "PlatformOverride",
    "PlatformProblem",
    "PlatformSpec",
    "Reason",
    "fold_name",
    "normalise",
    "profile_url",
    "skeleton",
]

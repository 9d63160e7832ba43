"""Users, their sign-in sessions and API tokens, invitations and notifications."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from .enums import NotificationKind, Role

LANGUAGES = ("zh", "en")
MAX_FAILED_LOGINS = 5
LOCKOUT_MINUTES = 15


@dataclass(kw_only=True, eq=False)
class User:
    """A person who signs in; belongs to one organization and has one role."""

    id: int | None = None
    username: str = ""
    display_name: str = ""
    email: str = ""
    password_hash: str = ""
    organization_id: int | None = None
    role: Role = Role.ENTERPRISE
    language: str = "zh"
    active: bool = True
    failed_logins: int = 0
    locked_until: datetime | None = None
    last_login_at: datetime | None = None
    created_at: datetime | None = None
    is_sample: bool = False


@dataclass(kw_only=True, eq=False)
class LoginSession:
    """A browser session kept on the server; the cookie holds a random key, the table only its hash."""

    id: int | None = None
    key_hash: str = ""
    user_id: int = 0
    csrf_token: str = ""
    created_at: datetime | None = None
    expires_at: datetime | None = None


@dataclass(kw_only=True, eq=False)
class ApiToken:
    """A bearer token for the API; stored hashed, revoked on logout or deactivation."""

    id: int | None = None
    token_hash: str = ""
    user_id: int = 0
    created_at: datetime | None = None
    expires_at: datetime | None = None
    revoked_at: datetime | None = None


@dataclass(kw_only=True, eq=False)
class Invitation:
    """An admin's invitation to join an organization with a role; used once."""

    id: int | None = None
    code_hash: str = ""
    email: str = ""
    organization_id: int = 0
    role: Role = Role.ENTERPRISE
    invited_by: str = ""
    created_at: datetime | None = None
    expires_at: datetime | None = None
    used_by_user_id: int | None = None


@dataclass(kw_only=True, eq=False)
class Notification:
    """Something a user should know: a new match for their listing, a message on it."""

    id: int | None = None
    user_id: int = 0
    kind: NotificationKind = NotificationKind.MESSAGE
    subject_entity: str = ""
    subject_id: int | None = None
    related_entity: str = ""
    related_id: int | None = None
    score: float | None = None
    text: str = ""
    sender_user_id: int | None = None
    created_at: datetime | None = None
    read_at: datetime | None = None
    data: dict[str, object] = field(default_factory=dict)


# --- self-registration, password reset, preferences, saved searches ----------------------------------

REGISTRATION_STATES = ("pending", "approved", "rejected")
RESET_LINK_HOURS = 48
MAX_SAVED_SEARCHES = 50  # per user
MAX_SAVED_SEARCH_NOTICES = 20  # per saved search and run: a notice, not a result list


@dataclass(kw_only=True, eq=False)
class Registration:
    """A person's request for an account: the (inactive) user, the organization claimed or proposed."""

    id: int | None = None
    user_id: int = 0
    organization_id: int | None = None  # an existing organization the person says they belong to
    proposed_organization: str = ""  # or the name of a new one, created when an admin approves
    note: str = ""
    status: str = "pending"
    reason: str = ""  # why it was rejected
    decided_by: str = ""
    decided_at: datetime | None = None
    created_at: datetime | None = None


@dataclass(kw_only=True, eq=False)
class ResetLink:
    """A one-time password-reset link an admin issued; stored hashed, expiring, used once."""

    id: int | None = None
    token_hash: str = ""
    user_id: int = 0
    issued_by: str = ""
    created_at: datetime | None = None
    expires_at: datetime | None = None
    used_at: datetime | None = None


@dataclass(kw_only=True, eq=False)
class UserPreferences:
    """What a user chose to hear about: the notification kinds they turned off."""

    id: int | None = None
    user_id: int = 0
    muted_kinds: list[str] = field(default_factory=list)


@dataclass(kw_only=True, eq=False)
class SavedSearch:
    """A list query a user keeps; `entity` empty means the site search over every registry list.

    `positions` holds, per entity, the highest record id already considered, so each listing is
    announced at most once."""

    id: int | None = None
    user_id: int = 0
    name: str = ""
    entity: str = ""
    q: str = ""
    filters: dict[str, object] = field(default_factory=dict)
    positions: dict[str, int] = field(default_factory=dict)
    created_at: datetime | None = None
    notified_at: datetime | None = None

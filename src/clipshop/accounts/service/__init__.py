"""Sign-up, log-in, sessions and profiles. Plain functions over a unit of work; no HTTP, no commits.

Other packages import this package only (the import-linter contract `accounts`), never its modules: each
module is one part of the work (`identity`, `signup`, `sessions`, `profiles`, `staff`, `suspension`,
`heal`, `rights`), and this names what the rest of Clipshop may call."""

from clipshop.accounts.service.heal import heal_projections
from clipshop.accounts.service.identity import email_digest
from clipshop.accounts.service.profiles import (
    get_profile,
    get_profile_by_id,
    get_user,
    set_avatar,
    update_profile,
)
from clipshop.accounts.service.rights import (
    confirm_password,
    email_of,
    erase_account,
    held_about,
    lock_account,
)
from clipshop.accounts.service.sessions import Login, authenticate, log_in, log_out, open_session
from clipshop.accounts.service.signup import sign_up
from clipshop.accounts.service.staff import actor_of, make_staff
from clipshop.accounts.service.suspension import lift_suspension, suspend_account

__all__ = [
    "Login",
    "actor_of",
    "authenticate",
    "confirm_password",
    "email_digest",
    "email_of",
    "erase_account",
    "get_profile",
    "get_profile_by_id",
    "get_user",
    "heal_projections",
    "held_about",
    "lift_suspension",
    "lock_account",
    "log_in",
    "log_out",
    "make_staff",
    "open_session",
    "set_avatar",
    "sign_up",
    "suspend_account",
    "update_profile",
]

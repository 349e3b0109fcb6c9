"""Domain errors, rendered as RFC 9457 problem details with a stable `code`.

Services raise these; routes never build HTTP errors themselves. Each error says what went wrong, which
field if any, and what to do about it.

    ClipshopError
    ├── Invalid            422  the request is well-formed but a value is wrong
    ├── Unauthenticated    401  no or bad credentials
    ├── NotFound           404  missing, or not yours (the same answer, so ids cannot be probed)
    ├── Conflict           409  the state does not allow it now
    ├── Gone               410  it was here and is withheld for good (or until an appeal wins)
    ├── TooLarge           413  over a configured size
    ├── UnsupportedMedia   415  not a real audio/video file
    └── RateLimited        429  too many attempts
"""

from __future__ import annotations

from typing import Any


class ClipshopError(Exception):
    status = 400
    code = "bad_request"
    title = "Bad request"

    def __init__(
        self, detail: str, *, code: str | None = None, field: str | None = None, **extra: Any
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        if code is not None:
            self.code = code
        self.field = field
        self.extra = extra

    def problem(self, instance: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": f"https://clipshop.dev/problems/{self.code}",
            "title": self.title,
            "status": self.status,
            "code": self.code,
            "detail": self.detail,
        }
        if instance:
            body["instance"] = instance
        if self.field:
            body["field"] = self.field
        body.update(self.extra)
        return body


class Invalid(ClipshopError):
    status, code, title = 422, "invalid", "Invalid value"


class Unauthenticated(ClipshopError):
    status, code, title = 401, "unauthenticated", "Authentication required"

    def __init__(
        self,
        detail: str = "Log in first: send a session cookie or an `Authorization: Bearer` token.",
        **kw: Any,
    ) -> None:
        super().__init__(detail, **kw)


class Forbidden(ClipshopError):
    status, code, title = 403, "forbidden", "Forbidden"


class NotFound(ClipshopError):
    status, code, title = 404, "not_found", "Not found"

    def __init__(self, kind: str, ident: object = None, **kw: Any) -> None:
        what = f"{kind} {ident}" if ident is not None else kind
        super().__init__(f"No {what} here, or it is not yours.", **kw)


class Conflict(ClipshopError):
    status, code, title = 409, "conflict", "Conflict"

    def __init__(self, code: str, detail: str, **kw: Any) -> None:
        super().__init__(detail, code=code, **kw)


class Gone(ClipshopError):
    status, code, title = 410, "gone", "Gone"


class TooLarge(ClipshopError):
    status, code, title = 413, "too_large", "Too large"


class UnsupportedMedia(ClipshopError):
    status, code, title = 415, "unsupported_media", "Unsupported media"


class RateLimited(ClipshopError):
    status, code, title = 429, "rate_limited", "Too many requests"

    def __init__(self, detail: str, *, retry_after_s: int = 60) -> None:
        super().__init__(detail, retry_after_s=retry_after_s)
        self.retry_after_s = retry_after_s

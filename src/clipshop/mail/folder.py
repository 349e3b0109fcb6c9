"""The embedded default's transport: each message becomes one .eml file in a folder, named after its
Message-ID, so sending a message again replaces its file rather than adding one. `/dev/mail` lists and
shows them when the deployment is not in production."""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from email import policy
from email.parser import BytesParser
from pathlib import Path

from clipshop.kit.ports import Email, MailFailed
from clipshop.mail.message import as_message

NAME = re.compile(r"^[0-9a-f]{32}\.eml$")


@dataclass(frozen=True)
class StoredMail:
    """A message the folder holds, as /dev/mail shows it."""

    name: str
    message_id: str
    sender: str
    to: str
    subject: str
    date: str
    text: str
    modified_at: float


@dataclass
class FolderTransport:
    root: Path
    name: str = "folder"

    def send(self, mail: Email) -> None:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            path = self.root / _file_name(mail.message_id)
            partial = path.with_suffix(".part")
            partial.write_bytes(as_message(mail).as_bytes())
            os.replace(partial, path)
        except OSError as error:
            raise MailFailed(f"{self.root}: {error}") from error

    def messages(self) -> list[StoredMail]:
        """Every message held, newest first."""
        if not self.root.is_dir():
            return []
        found = [self._read(path) for path in self.root.iterdir() if NAME.match(path.name)]
        return sorted(found, key=lambda m: (m.modified_at, m.name), reverse=True)

    def message(self, name: str) -> StoredMail | None:
        """The message stored as `name` (as `messages` names it), or None."""
        if not NAME.match(name) or not (self.root / name).is_file():
            return None
        return self._read(self.root / name)

    def _read(self, path: Path) -> StoredMail:
        parsed = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
        body = parsed.get_body(preferencelist=("plain",))
        return StoredMail(
            name=path.name,
            message_id=str(parsed["Message-ID"] or ""),
            sender=str(parsed["From"] or ""),
            to=str(parsed["To"] or ""),
            subject=str(parsed["Subject"] or ""),
            date=str(parsed["Date"] or ""),
            text=body.get_content() if body is not None else "",
            modified_at=path.stat().st_mtime,
        )


def _file_name(message_id: str) -> str:
    return hashlib.sha256(message_id.encode()).hexdigest()[:32] + ".eml"

"""The console adapter: Needle in a terminal, for one member of a local team.

It reads lines from standard input (typed or piped), hands them to the engine as direct
messages, and prints replies as plain text. Charts and exports are saved to files and their
paths printed; a file never replaces one already there (a second one gets `-2`, `-3`, …).
Scheduled prompts arrive through `send()` while the console is open.
"""

from __future__ import annotations

import asyncio
import re
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from adapters.base import CoachEngine, DeliveryError
from bot.messages import Address, Incoming, IncomingKind, Person, Reply, ReplyKind

PLATFORM = "console"
TEAM_ID = "local"
QUESTION_KINDS = frozenset({ReplyKind.QUESTION, ReplyKind.REASK})


def user_id_for(name: str) -> str:
    """A stable user id for a console name (`Ana Lima` -> `ana-lima`)."""
    slug = re.sub(r"[\W_]+", "-", name.casefold()).strip("-")
    return slug or "me"


def save_new_file(folder: Path, name: str, data: bytes) -> Path:
    """Write `data` under `folder` as a new file named after `name`, never over an existing one.

    Only the last part of `name` is used, so a name cannot point outside `folder`. When the name
    is taken, `-2`, `-3`, … goes before the extension; the file is created exclusively, so even
    a file that appears meanwhile is not overwritten.
    """
    folder.mkdir(parents=True, exist_ok=True)
    wanted = Path(Path(name).name)
    if wanted.name in ("", ".", ".."):
        wanted = Path("needle-file")
    candidate = folder / wanted
    number = 1
    while True:
        try:
            with candidate.open("xb") as file:
                file.write(data)
            return candidate
        except FileExistsError:
            number += 1
            candidate = folder / f"{wanted.stem}-{number}{wanted.suffix}"


def render_text(reply: Reply) -> str:
    """A Reply as plain terminal text."""
    lines: list[str] = []
    if reply.title and reply.kind not in QUESTION_KINDS:
        lines.append(f"== {reply.title} ==")
    if reply.text:
        lines.append(reply.text.replace("`", ""))
    width = max((len(f.label) for f in reply.facts), default=0)
    for fact in reply.facts:
        lines.append(f"  {fact.label.ljust(width)}  {fact.value}")
    if reply.form is not None:
        lines.append("(Type checkin to answer the questions here.)")
    for field_id, error in (reply.form.errors if reply.form else {}).items():
        lines.append(f"  ! {field_id}: {error}")
    return "\n".join(lines)


class ConsoleAdapter:
    """One member talking to Needle in a terminal."""

    platform = PLATFORM

    def __init__(
        self,
        engine: CoachEngine,
        *,
        name: str,
        timezone: str | None = None,
        output: TextIO | None = None,
        files_dir: Path = Path("needle-charts"),
        read_line: Callable[[], str] | None = None,
    ) -> None:
        self.engine = engine
        self.name = name
        self.user_id = user_id_for(name)
        self.timezone = timezone
        self.output = output or sys.stdout
        self.files_dir = files_dir
        self._read_line = read_line or sys.stdin.readline
        self._done = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def address(self) -> Address:
        """The member's DM with Needle."""
        return Address(PLATFORM, TEAM_ID, self.user_id)

    def incoming(self, text: str, kind: IncomingKind = IncomingKind.MESSAGE) -> Incoming:
        """An Incoming from the console member."""
        return Incoming(
            address=self.address,
            kind=kind,
            text=text if kind is IncomingKind.MESSAGE else text.partition(" ")[2],
            command=text.partition(" ")[0] if kind is IncomingKind.COMMAND else "",
            person=Person(display_name=self.name, timezone=self.timezone, is_admin=True),
        )

    async def start(self) -> None:
        """Greet the member and start reading their lines in the background."""
        if self.timezone:
            await self.engine.handle(
                self.incoming(f"timezone {self.timezone}", IncomingKind.COMMAND)
            )
        self.show(await self.engine.handle(self.incoming("start", IncomingKind.COMMAND)))
        self._task = asyncio.create_task(self._read_loop())

    async def wait_closed(self) -> None:
        """Wait until standard input ends or the member types `quit`."""
        await self._done.wait()

    async def stop(self) -> None:
        """Stop reading."""
        self._done.set()
        if self._task is not None and not self._task.done():
            self._task.cancel()

    async def send(self, address: Address, reply: Reply) -> None:
        """Print a scheduled message (a prompt, a nudge, a recap) meant for this member.

        Anyone else's message is refused (DeliveryError, not permanent): printed here it would
        reach the wrong person and be recorded as sent, so its owner would never get it; it
        stays due for their own console instead. A team message (a recap, no user) is shown.
        """
        if address.user_id and address.user_id != self.user_id:
            raise DeliveryError(
                f"the console of {self.user_id!r} can't deliver to {address.user_id!r}"
            )
        self.show([reply])

    def show(self, replies: list[Reply]) -> None:
        """Print replies, saving images and files next to the working folder."""
        for reply in replies:
            text = render_text(reply)
            for attachment_name, data in self._attachments(reply):
                path = save_new_file(self.files_dir, attachment_name, data)
                text += f"\n  (saved {path})"
            print(text, file=self.output, flush=True)

    @staticmethod
    def _attachments(reply: Reply) -> list[tuple[str, bytes]]:
        found: list[tuple[str, bytes]] = []
        if reply.image is not None:
            found.append((reply.image.filename, reply.image.data))
        if reply.file is not None:
            found.append((reply.filename or "needle-export.csv", reply.file))
        return found

    def _start_reader(self) -> asyncio.Queue[str]:
        """Read lines on a daemon thread (stdin blocks) and hand them to the event loop."""
        loop = asyncio.get_running_loop()
        lines: asyncio.Queue[str] = asyncio.Queue()

        def reader() -> None:
            while True:
                try:
                    line = self._read_line()
                except (OSError, ValueError):
                    line = ""
                loop.call_soon_threadsafe(lines.put_nowait, line)
                if line == "":
                    return

        threading.Thread(target=reader, name="needle-console-stdin", daemon=True).start()
        return lines

    async def _read_loop(self) -> None:
        lines = self._start_reader()
        try:
            while True:
                line = await lines.get()
                if line == "":
                    break
                text = line.strip()
                if text.lower() in ("quit", "exit", "bye"):
                    print("Bye — talk tomorrow.", file=self.output, flush=True)
                    break
                if text:
                    self.show(await self.engine.handle(self.incoming(text)))
        finally:
            self._done.set()

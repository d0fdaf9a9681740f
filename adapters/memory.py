"""An in-memory adapter: pushes Incomings straight into the engine and keeps what is sent.

Like Slack, it says with every Incoming whether the sender is an admin (no, unless asked);
`is_admin=None` plays a platform that cannot say there (a Discord DM).

Tests drive the whole engine through it (say something, read the replies) and the scheduler
delivers into it; nothing leaves the process.
"""

from __future__ import annotations

from adapters.base import CoachEngine
from bot.messages import Address, Incoming, IncomingKind, Outgoing, Person, Reply, ReplyKind


class MemoryAdapter:
    """A chat platform that lives in a list: what the engine says is appended to `sent`."""

    def __init__(
        self, engine: CoachEngine, platform: str = "memory", team_id: str = "team-1"
    ) -> None:
        self.engine = engine
        self.platform = platform
        self.team_id = team_id
        self.sent: list[Outgoing] = []
        self.failures: dict[str, Exception] = {}  # user id -> error raised by send()

    async def start(self) -> None:
        """Nothing to connect."""

    async def stop(self) -> None:
        """Nothing to disconnect."""

    async def send(self, address: Address, reply: Reply) -> None:
        """Keep the reply (or raise the failure set up for that user)."""
        failure = self.failures.get(address.user_id)
        if failure is not None:
            raise failure
        self.sent.append(Outgoing(address, reply))

    def address(self, user: str, team_id: str | None = None) -> Address:
        """The DM address of a user on this adapter."""
        return Address(self.platform, self.team_id if team_id is None else team_id, user)

    async def push(self, incoming: Incoming) -> list[Reply]:
        """Hand an Incoming to the engine and return its replies."""
        return await self.engine.handle(incoming)

    async def say(
        self,
        text: str,
        user: str = "ana",
        *,
        name: str = "",
        team_id: str | None = None,
        timezone: str | None = None,
        is_admin: bool | None = False,
        event_id: str | None = None,
    ) -> list[Reply]:
        """A user types `text` in their DM with Needle."""
        return await self.push(
            Incoming(
                address=self.address(user, team_id),
                kind=IncomingKind.MESSAGE,
                text=text,
                person=Person(
                    display_name=name or user.title(), timezone=timezone, is_admin=is_admin
                ),
                event_id=event_id,
            )
        )

    async def command(
        self,
        name: str,
        args: str = "",
        user: str = "ana",
        *,
        team_id: str | None = None,
        is_admin: bool | None = False,
        can_open_forms: bool = False,
        mentions: tuple[str, ...] = (),
    ) -> list[Reply]:
        """A user runs `/needle <name> <args>`."""
        return await self.push(
            Incoming(
                address=self.address(user, team_id),
                kind=IncomingKind.COMMAND,
                command=name,
                text=args,
                person=Person(display_name=user.title(), is_admin=is_admin),
                can_open_forms=can_open_forms,
                mentions=mentions,
            )
        )

    async def press(
        self,
        action: str,
        value: str = "",
        user: str = "ana",
        *,
        can_open_forms: bool = False,
        is_admin: bool | None = False,
    ) -> list[Reply]:
        """A user presses a button."""
        return await self.push(
            Incoming(
                address=self.address(user),
                kind=IncomingKind.ACTION,
                action=action,
                value=value,
                person=Person(display_name=user.title(), is_admin=is_admin),
                can_open_forms=can_open_forms,
            )
        )

    async def submit(
        self,
        form_id: str,
        values: dict[str, str],
        user: str = "ana",
        *,
        is_admin: bool | None = False,
    ) -> list[Reply]:
        """A user submits a form."""
        return await self.push(
            Incoming(
                address=self.address(user),
                kind=IncomingKind.FORM,
                action=form_id,
                values=values,
                person=Person(display_name=user.title(), is_admin=is_admin),
            )
        )

    def sent_to(self, user: str, kind: ReplyKind | None = None) -> list[Reply]:
        """What was sent (unprompted) to a user, optionally of one kind."""
        return [
            out.reply
            for out in self.sent
            if out.address.user_id == user and (kind is None or out.reply.kind == kind)
        ]

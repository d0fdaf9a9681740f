"""Small talk: a few whole messages that are neither a command nor a check-in.

English only, and only whole messages (`thanks!`, `what can you do?`): a message that carries
anything more is not small talk, so a check-in or a command is never taken for it. They are
tried after the check-in's plain-message handler, and only when no question is open.

- Thanks (`thanks`, `thank you!`, `cheers`, `ty`) → a short "Anytime".
- What Needle is or does (`what can you do?`, `who are you`, `how does this work`) → one
  line about Needle and a pointer to `help`.
"""

from __future__ import annotations

import re

from bot.context import Context
from bot.messages import Reply, ReplyKind
from bot.router import Router

THANKS = frozenset(
    {"thanks", "thank you", "thanks a lot", "thank you so much", "thanks so much", "many thanks"}
    | {"thx", "ty", "cheers", "thanks needle", "thank you needle", "great thanks", "ok thanks"}
    | {"okay thanks", "perfect thanks", "awesome thanks", "nice thanks"}
)
ABOUT = frozenset(
    {"what can you do", "what do you do", "what can i do", "what are you", "who are you"}
    | {"what is needle", "what's needle", "whats needle", "what is this", "how does this work"}
    | {"how do you work", "what are you for", "what should i do", "what now", "how do i use you"}
    | {"how does needle work", "what can needle do"}
)
_EDGES = re.compile(r"[\s!?.,:;)(🙂😊🙏👍]+")
_NAME = re.compile(r"^(?:hey |hi )?needle[, ]+|[, ]+needle$")


def normalise(text: str) -> str:
    """Lower case, inner spaces collapsed, edge punctuation and emoji dropped, `Needle,` as
    an address dropped: `Thanks, Needle!` → `thanks needle`, `What can you do?` → `what can
    you do`."""
    words = " ".join(text.lower().replace("’", "'").split())
    core = _EDGES.sub(" ", words).strip()
    core = " ".join(core.split())
    return core if core in THANKS else _NAME.sub("", core).strip()


async def small_talk(ctx: Context, text: str) -> list[Reply] | None:
    """A short answer to thanks or to "what can you do?"; None for anything else."""
    said = normalise(text)
    if said in THANKS:
        return [Reply("Anytime! 🙌", kind=ReplyKind.INFO)]
    if said in ABOUT:
        return [
            Reply(
                "I'm Needle, your sales accountability coach: each workday I ask about your "
                "conversations with buyers, keep your streak and show your stats. Type `help` "
                "for the commands, or `checkin` to start today's.",
                kind=ReplyKind.INFO,
            )
        ]
    return None


def register(router: Router) -> None:
    """Answer thanks and "what can you do?" (after the check-in's plain-message handler)."""
    router.add_message_handler(small_talk)

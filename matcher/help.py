"""The bot's commands as people see them: one table, used by ``!help`` (and
mirrored in the README's "Talking to the matcher bot")."""

from __future__ import annotations

from matcher.replies import Reply

DIRECT_COMMANDS: list[tuple[str, str]] = [
    ("!help", "this list"),
    ("!requests", "requests waiting for you, and those you sent"),
    ("!accept <username>", "accept their request: you match and get a private room"),
    ("!reject <username>", "decline their request"),
    ("!request <username> [note]", "ask someone to connect, with an optional note"),
    ("!suggest [interest]", "people who share your interests (optionally one interest)"),
    ("!matches", "your matches, with links to their rooms"),
    ("!interests", "your interests"),
    ("!interests add <a, b>", "add interests (comma-separated)"),
    ("!interests remove <a, b>", "remove interests"),
    ("!verify <code>", "prove a Matrix ID you are linking to Kindred"),
]

ROOM_COMMANDS: list[tuple[str, str]] = [
    ("!help", "this list"),
    ("!shared", "the interests you two share"),
    ("!icebreaker", "a conversation starter from your shared interests"),
    ("!unmatch", "close this match; you both leave the room"),
    ("!block", "unmatch, and never find or request each other again"),
    ("!report <reason>", "tell the operators (confirmed to you privately)"),
]


def help_reply(commands: list[tuple[str, str]], heading: str) -> Reply:
    reply = Reply().bold(heading)
    for usage, meaning in commands:
        reply.item().code(usage).text(f" — {meaning}")
    return reply


def direct_help() -> Reply:
    return help_reply(DIRECT_COMMANDS, "What I can do for you here:")


def room_help() -> Reply:
    return help_reply(ROOM_COMMANDS, "Commands in a match room:")

"""Kindred's rules. Nothing here imports aiohttp or nio: the web and the bot
both call these functions, so each rule lives in exactly one place."""

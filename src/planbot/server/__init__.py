"""planbot.server."""

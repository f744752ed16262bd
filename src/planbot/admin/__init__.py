"""planbot.admin."""

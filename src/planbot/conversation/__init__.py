"""planbot.conversation."""

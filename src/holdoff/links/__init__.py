"""Action links: acknowledge, resolve or silence from the message itself, without logging in."""

"""Start-ups, their members and invitations."""

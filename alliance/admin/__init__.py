"""The admins' console: approval queue, calls, themes, partner members."""

"""Notifications: deadline reminders and the mail outbox's retries."""

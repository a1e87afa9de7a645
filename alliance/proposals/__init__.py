"""Proposals, their attachments, submissions (receipts) and lifecycle."""

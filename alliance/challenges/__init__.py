"""Calls, challenges, their evaluation criteria and terms, and their lifecycle."""

"""Pieces shared by every domain package: model types, errors, after-commit work, mail."""

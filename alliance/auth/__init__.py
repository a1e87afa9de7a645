"""Users, roles, login and registration, and the policy module."""

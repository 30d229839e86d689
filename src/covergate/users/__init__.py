"""Users, their roles and delegations, and their API tokens."""

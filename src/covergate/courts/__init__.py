"""Courts and the orders they issue, confirm, refuse, seal and unseal."""

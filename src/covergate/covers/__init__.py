"""Active covers: observations of mail exteriors and records items, refusals counted."""

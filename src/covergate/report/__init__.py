"""Public statistics: counts only, never anything about a subject."""

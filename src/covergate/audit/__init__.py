"""The access log: every read of subject data, who, when, which request and why."""

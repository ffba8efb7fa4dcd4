"""The digest of many reports: reading them, grouping them into stories, planning and making it."""

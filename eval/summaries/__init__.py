"""The brief and the digest scored: EASC ROUGE, story coverage of roundups, story grouping."""

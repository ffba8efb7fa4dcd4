"""Every view of every result: Markdown, HTML and JSON of briefs and digests."""

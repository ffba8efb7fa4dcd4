"""The corrections memory: analyst-approved English per Arabic sentence (SQLite), TMX/TSV exchange, CLI."""

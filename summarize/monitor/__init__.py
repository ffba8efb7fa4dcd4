"""`mtbrief monitor`: follow news feeds all day into one SQLite store, stories that grow across days, views."""

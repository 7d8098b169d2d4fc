"""`GRAPH_URL=sqlite:///...`: the graph in one SQLite file (WAL, FTS5) that every process of a
machine shares; the store (store.py), its schema and migrations, its writes and its reads."""

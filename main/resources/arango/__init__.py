"""`GRAPH_URL=arangodb://...`: the graph on ArangoDB (one server or a cluster), through python-arango."""

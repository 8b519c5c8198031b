"""The graph: its schema, the data set it is built from, and the stores that hold it."""

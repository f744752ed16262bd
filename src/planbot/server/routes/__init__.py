"""HTTP routes beyond questions and documents, one module per area."""

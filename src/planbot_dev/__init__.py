"""Development tooling for planbot: evaluation, benchmarks and the load suite (not imported by the server)."""

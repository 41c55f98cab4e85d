//! Integration tests: emulator_graph.

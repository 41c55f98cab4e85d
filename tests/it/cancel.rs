//! Integration tests: cancel.

//! Integration tests: loopback.

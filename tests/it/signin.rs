//! Integration tests: signin.

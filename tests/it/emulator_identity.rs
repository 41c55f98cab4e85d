//! Integration tests: emulator_identity.

//! The cancel workflow.

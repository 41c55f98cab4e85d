//! A robot browser (placeholder while it is written).

//! Integration tests: one binary, a module per area. Everything runs against the emulator over
//! real sockets on 127.0.0.1.

#[cfg(feature = "azure")]
mod azure;
mod browser;
mod cancel;
mod cli;
mod clock;
mod clouds;
mod completions;
mod docs;
mod emulator;
mod face;
mod filters;
mod flags;
mod harness;
mod headless;
mod hostile;
mod interrupt;
mod keyring;
mod loopback;
mod names;
mod pace;
mod progress;
mod reliability;
mod report;
mod signin;
mod tenant;
mod terminal;
mod tls;

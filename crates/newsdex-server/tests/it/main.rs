//! The server's tests: one binary (so the shared demo server is built once), a real
//! socket, real data. See `support` for the harness.

mod api;
mod browser;
mod export;
mod limits;
mod sources;
mod support;
mod watches;
mod web;

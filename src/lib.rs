//! triage-console: HIPAA incident and near-miss handling — a domain model, an HTTP API over a
//! real database, a client, fuzzy search and a keyboard-driven console.

pub mod cli;
pub mod client;
pub mod commands;
pub mod config;
pub mod corpus;
pub mod demo;
pub mod domain;
pub mod evidence;
pub mod export;
pub mod import;
pub mod search;
pub mod server;
pub mod store;
pub mod tui;

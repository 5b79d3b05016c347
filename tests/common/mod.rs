//! The web crate's test helpers: the fresh database and test data come from the
//! workspace's dev/test kit (`testkit`, shared with the service's and the migrations'
//! tests); here only what needs the app: the HTTP client ([`web`]) and the lesson
//! examples' binaries ([`examples`]).

#![allow(dead_code, unused_imports)]

pub mod examples;
pub mod web;

pub use testkit::*;

//! Any name → `slugify`: a safe, stable, idempotent file name.
#![no_main]

#[allow(dead_code)]
#[path = "../checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|name: &str| checks::slug(name));

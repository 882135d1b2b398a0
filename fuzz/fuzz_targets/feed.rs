//! Any bytes → parse + normalize, as a fetched document goes in a cycle.
#![no_main]

#[allow(dead_code)]
#[path = "../checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(
    init: {
        // libfuzzer-sys's panic hook aborts at once, even on a panic that
        // `parse` contains by design (feed-rs panics are caught and cost one
        // document). Back to the default hook: a contained panic is fine, and
        // one that escapes still aborts, in libfuzzer-sys's own catch_unwind.
        drop(std::panic::take_hook());
    },
    |data: &[u8]| checks::feed(data)
);

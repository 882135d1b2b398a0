//! TODO
mod document;
pub use document::{Document, Validators};

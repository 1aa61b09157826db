//! Why a comparison could not be carried out (as opposed to a difference found).

use thiserror::Error;

/// A verification input the comparison core cannot work with.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// The per-column settings do not line up with the schema.
    #[error("verify setup: {detail}")]
    Setup {
        /// What does not line up.
        detail: String,
    },
    /// A column's Arrow type has no canonical form.
    #[error("column {column}: Arrow type {data_type} cannot be verified")]
    UnsupportedType {
        /// The column name.
        column: String,
        /// The Arrow type, as Arrow prints it.
        data_type: String,
    },
    /// A key column's type has no order that matches the databases' ORDER BY.
    #[error("key column {column}: type {data_type} cannot be used as a verification key")]
    UnsupportedKey {
        /// The column name.
        column: String,
        /// The logical or Arrow type.
        data_type: String,
    },
    /// A pushed batch does not have the schema given at construction.
    #[error("{side} batch schema differs from the verify schema: {detail}")]
    SchemaMismatch {
        /// `source` or `target`.
        side: &'static str,
        /// Which field differs.
        detail: String,
    },
    /// One side's rows did not arrive in strictly ascending key order, so a
    /// merge would report wrong differences.
    #[error("{side} rows are not in ascending key order: key {key} came after {previous} (the database's ORDER BY disagrees with ferry's key order, or the key is not unique)")]
    KeyOrder {
        /// `source` or `target`.
        side: &'static str,
        /// The out-of-order key, rendered.
        key: String,
        /// The key before it, rendered.
        previous: String,
    },
    /// A keyless second pass saw different data than the first pass.
    #[error("{side} rows changed between the two keyless passes ({detail})")]
    PassMismatch {
        /// `source` or `target`.
        side: &'static str,
        /// Counts and digests seen.
        detail: String,
    },
    /// Pushes arrived in a state that does not accept them.
    #[error("verify protocol: {detail}")]
    Protocol {
        /// What was called out of turn.
        detail: String,
    },
}

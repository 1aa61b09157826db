//! Errors raised while mapping a schema or generating DDL. Each names the object
//! and says what the user can do about it.

use crate::Dialect;
use thiserror::Error;

/// A problem with the schema itself, found before any data moves.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum SchemaError {
    /// A name the target cannot hold intact.
    #[error("{object} name {name:?} cannot be used on {dialect}: {reason}. Rename it with a [tables] override in the config file.")]
    BadIdentifier {
        /// What kind of object (`table`, `column "t"."c"`, ...).
        object: String,
        /// The offending name.
        name: String,
        /// The target dialect.
        dialect: Dialect,
        /// Why it cannot be used.
        reason: String,
    },
    /// Two source names become one on the target.
    #[error("{first} and {second} would be the same name on {dialect}, which ignores letter case there. Rename one of them with an override in the config file.")]
    NameClash {
        /// The first object, described with its full name.
        first: String,
        /// The second object.
        second: String,
        /// The target dialect.
        dialect: Dialect,
    },
    /// A source type ferry cannot represent.
    #[error("column {table}.{column} has type {source_type}, which ferry cannot migrate yet. Exclude the column or table, or give it a type override in the config file.")]
    UnsupportedType {
        /// Table name.
        table: String,
        /// Column name.
        column: String,
        /// Type as the source spells it.
        source_type: String,
    },
    /// A type given in a config override that ferry does not understand.
    #[error(
        "the type override {given:?} for {table}.{column} is not a type ferry knows: {reason}"
    )]
    BadTypeOverride {
        /// Table name.
        table: String,
        /// Column name.
        column: String,
        /// The text from the config.
        given: String,
        /// What was wrong.
        reason: String,
    },
    /// An expression (check, default, generated column, index) that does not parse in its dialect.
    #[error("{object} has an expression that does not parse as {dialect} SQL ({reason}); it cannot be reproduced. Exclude the object or fix it on the source.")]
    BadExpression {
        /// The object, e.g. `check "t"."c_positive"`.
        object: String,
        /// The dialect it was parsed as.
        dialect: Dialect,
        /// The parser's message.
        reason: String,
    },
    /// A column default that is not a valid literal.
    #[error("the default of column {table}.{column} cannot be written: {reason}")]
    BadDefault {
        /// Table name.
        table: String,
        /// Column name.
        column: String,
        /// What was wrong.
        reason: String,
    },
}

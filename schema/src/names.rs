//! x
use crate::{Dialect, SchemaError, Table};
/// x
pub fn check_names(_t: &[Table], _d: Dialect) -> Result<(), SchemaError> { Ok(()) }

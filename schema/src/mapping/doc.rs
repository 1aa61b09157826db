//! placeholder
/// x
pub fn mapping_table_markdown() -> String { String::new() }

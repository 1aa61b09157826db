//! Type mapping between dialects: per column type ([`map_type`]), per table
//! ([`map_table`]), type names read back ([`parse_type_override`]) and the
//! rendered mapping table that docs/type-mapping.md embeds.

mod convert;
mod doc;
mod mysql_keys;
mod parse;
mod spelling;
mod table;

pub use convert::{keep_type, map_type, TypeMapping};
pub use doc::mapping_table_markdown;
pub use parse::parse_type_override;
#[cfg(test)]
pub(crate) use parse::parser_dialect;
pub use spelling::sql_type_for;
pub use table::{enum_check, map_table, LossyColumn, MappedTable};
pub(crate) use table::{is_number_literal, parse_expr};
#[cfg(test)]
mod tests;

//! Which long values of a table are copied in pieces, and how piece batches
//! are relabelled for the target ([`ferry_connectors::pieces`]).
//!
//! A column is pieced when the reader can send it in pieces and the target
//! can join them back unchanged: a text or byte-string column the copy does
//! not cast, whose target column is text or bytes too, of a table whose key
//! is the same columns on both sides (the pieces find their row by it).

use crate::plan::TablePlan;
use crate::{EngineError, Result};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, SchemaRef};
use ferry_connectors::pieces::{piece_schema, piece_table, pieceable};
use ferry_connectors::Pieces;
use ferry_schema::{LogicalType, Table};
use std::sync::Arc;

/// Bytes per piece: small enough for MySQL's default 16 MiB packet limit
/// and for a few pieces in flight per table, large enough that a value of
/// hundreds of MiB is a few hundred statements' worth of pieces.
pub const PIECE_BYTES: u32 = 1 << 20;

/// `--lob-pieces-over` when not given: values longer than 8 MiB go in pieces.
pub const DEFAULT_PIECES_OVER: u32 = 8 << 20;

/// The pieces to ask the reader of `plan` for: `template`'s sizes, the
/// columns that qualify (none: `None`).
pub fn pieces_for(plan: &TablePlan, template: &Pieces) -> Option<Pieces> {
    let source_key = plan.source.verify_key()?;
    let target_key = plan.target.verify_key()?;
    let target_names: Vec<&str> = plan
        .target
        .copied_columns()
        .map(|c| c.name.as_str())
        .collect();
    let source_names: Vec<&str> = plan
        .source
        .copied_columns()
        .map(|c| c.name.as_str())
        .collect();
    // The key must be the same columns, in the same order, on both sides.
    let same_key = source_key.len() == target_key.len()
        && source_key.iter().zip(target_key).all(|(s, t)| {
            let at = source_names.iter().position(|n| n == s);
            at.is_some_and(|i| target_names.get(i) == Some(&t.as_str()))
        });
    if !same_key {
        return None;
    }
    let columns: Vec<String> = plan
        .source
        .copied_columns()
        .zip(plan.target.copied_columns())
        .zip(&plan.casts)
        .filter(|((s, t), cast)| {
            cast.is_none() && pieceable(&plan.source, s, template.over) && string_like(t)
        })
        .map(|((s, _), _)| s.name.clone())
        .collect();
    (!columns.is_empty()).then(|| Pieces {
        columns,
        ..template.clone()
    })
}

fn string_like(c: &ferry_schema::Column) -> bool {
    matches!(
        c.logical_type,
        LogicalType::Text { .. } | LogicalType::Varchar { .. } | LogicalType::Varbinary { .. }
    )
}

/// Turns piece batches read from the source into piece batches of the
/// target table: key columns cast as the table's are, the schema renamed.
pub struct PieceRoutes {
    target: Option<Table>,
    /// Casts of the piece relation's columns (key columns as in the table).
    casts: Vec<Option<DataType>>,
}

impl PieceRoutes {
    /// Routes for `plan`'s piece batches.
    pub fn new(plan: &TablePlan) -> PieceRoutes {
        let source_names: Vec<&str> = plan
            .source
            .copied_columns()
            .map(|c| c.name.as_str())
            .collect();
        let mut casts: Vec<Option<DataType>> = plan
            .source
            .verify_key()
            .unwrap_or_default()
            .iter()
            .map(|k| {
                source_names
                    .iter()
                    .position(|n| n == k)
                    .and_then(|i| plan.casts.get(i).cloned().flatten())
            })
            .collect();
        casts.extend([None, None]);
        PieceRoutes {
            target: piece_table(&plan.target),
            casts,
        }
    }

    /// The pieces of source column `column` as the pieces of its target column.
    pub fn convert(
        &self,
        plan: &TablePlan,
        column: &str,
        batch: &RecordBatch,
    ) -> Result<RecordBatch> {
        let internal = |detail: String| EngineError::Internal {
            table: plan.source.name.clone(),
            detail,
        };
        let target_column = plan
            .source
            .copied_columns()
            .position(|c| c.name == column)
            .and_then(|i| plan.target.copied_columns().nth(i))
            .ok_or_else(|| internal(format!("pieces of an unknown column {column}")))?;
        let target = self
            .target
            .as_ref()
            .ok_or_else(|| internal("pieces for a table without a key".into()))?;
        let schema: SchemaRef = piece_schema(target, &target_column.name);
        let columns = batch
            .columns()
            .iter()
            .zip(&self.casts)
            .map(|(array, cast)| match cast {
                None => Ok(Arc::clone(array)),
                Some(to) => crate::cast::cast_array(array, to)
                    .map_err(|e| internal(format!("casting a piece's key: {}", e.detail))),
            })
            .collect::<Result<Vec<ArrayRef>>>()?;
        RecordBatch::try_new(schema, columns).map_err(|e| internal(e.to_string()))
    }
}

//! Foreign keys: `ALTER TABLE ... ADD CONSTRAINT ... FOREIGN KEY` after the load,
//! or inline constraints for dialects that cannot alter them in (SQLite).

use super::build::{alter_table, idents, object_name};
use crate::ident::ident;
use crate::{Dialect, FkAction, ForeignKey, Table};
use sqlparser::ast::{
    AlterTableOperation, ConstraintCharacteristics, DeferrableInitial, ForeignKeyConstraint,
    ReferentialAction, TableConstraint,
};

fn action(a: FkAction) -> Option<ReferentialAction> {
    match a {
        // NO ACTION is every dialect's default: left implicit.
        FkAction::NoAction => None,
        FkAction::Restrict => Some(ReferentialAction::Restrict),
        FkAction::Cascade => Some(ReferentialAction::Cascade),
        FkAction::SetNull => Some(ReferentialAction::SetNull),
        FkAction::SetDefault => Some(ReferentialAction::SetDefault),
    }
}

/// The constraint AST of `fk`; the referenced table is in the same namespace.
pub(crate) fn fk_constraint(
    fk: &ForeignKey,
    namespace: Option<&str>,
    dialect: Dialect,
) -> ForeignKeyConstraint {
    let characteristics =
        (fk.deferrable && dialect.supports_deferrable_fks()).then_some(ConstraintCharacteristics {
            deferrable: Some(true),
            initially: Some(if fk.initially_deferred {
                DeferrableInitial::Deferred
            } else {
                DeferrableInitial::Immediate
            }),
            enforced: None,
        });
    ForeignKeyConstraint {
        name: Some(ident(dialect, &fk.name)),
        index_name: None,
        columns: idents(&fk.columns, dialect),
        foreign_table: object_name(namespace, &fk.referenced_table, dialect),
        referred_columns: idents(&fk.referenced_columns, dialect),
        on_delete: action(fk.on_delete),
        on_update: action(fk.on_update),
        match_kind: None,
        characteristics,
    }
}

/// One `ALTER TABLE ... ADD CONSTRAINT ... FOREIGN KEY` per foreign key of
/// `table`; empty where foreign keys are inline in CREATE TABLE (SQLite).
pub fn add_foreign_keys(table: &Table, namespace: Option<&str>, dialect: Dialect) -> Vec<String> {
    if !dialect.supports_alter_add_fk() {
        return Vec::new();
    }
    table
        .foreign_keys
        .iter()
        .map(|fk| {
            alter_table(
                namespace,
                &table.name,
                dialect,
                AlterTableOperation::AddConstraint {
                    constraint: TableConstraint::ForeignKey(fk_constraint(fk, namespace, dialect)),
                    not_valid: false,
                },
            )
        })
        .collect()
}

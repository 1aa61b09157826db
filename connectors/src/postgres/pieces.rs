//! The SQL that reads long values on PostgreSQL: in pieces for a copy
//! ([`crate::pieces`]), where the row query shortens them and flags the rows
//! it shortened and one query per pieced column reads their pieces; as a
//! digest for a verification ([`crate::digests`]).

use crate::pieces::{Pieces, PIECE_BYTES, PIECE_NUMBER};
use ferry_schema::{ident, Column, Dialect, LogicalType};

/// The select-list item for `column`: its value, or an empty one when it is
/// longer than `over` bytes (its pieces follow). `octet_length` reads the
/// stored size without detoasting.
pub(super) fn shortened(column: &Column, over: u32) -> String {
    let q = ident::quote(Dialect::Postgres, &column.name);
    format!("CASE WHEN octet_length({q}) > {over} THEN '' ELSE {q} END")
}

/// The select-list item for `column` in a verification: its value, or the
/// digest text of it ([`crate::digests::digest_text`]) when it is longer than
/// `over` bytes. Text is measured and hashed as UTF-8.
pub(super) fn digested(column: &Column, over: u32) -> String {
    let q = ident::quote(Dialect::Postgres, &column.name);
    let prefix = crate::digests::DIGEST_PREFIX;
    let digest = |bytes: &str| {
        format!("'{prefix}' || octet_length({bytes}) || ' bytes, md5 ' || md5({bytes})")
    };
    let replaced = match column.logical_type {
        LogicalType::Varbinary { .. } => format!("convert_to({}, 'UTF8')", digest(&q)),
        _ => digest(&format!("convert_to({q}, 'UTF8')")),
    };
    format!("CASE WHEN octet_length({q}) > {over} THEN {replaced} ELSE {q} END")
}

/// A last select-list item, true on the rows where any pieced column was
/// shortened.
pub(super) fn long_flag(columns: &[&Column], over: u32) -> String {
    let terms: Vec<String> = columns
        .iter()
        .map(|c| {
            format!(
                "octet_length({}) > {over}",
                ident::quote(Dialect::Postgres, &c.name)
            )
        })
        .collect();
    format!("coalesce({}, false)", terms.join(" OR "))
}

/// `COPY` of the piece relation of `column`: key, piece number, bytes, one
/// row per `piece` bytes of each value longer than `over` (text as UTF-8).
/// `filter` is the part's key range, if any.
pub(super) fn pieces_copy(
    qualified: &str,
    key: &[String],
    column: &Column,
    pieces: &Pieces,
    filter: Option<&str>,
) -> String {
    let q = ident::quote(Dialect::Postgres, &column.name);
    let keys: Vec<String> = key
        .iter()
        .map(|k| ident::quote(Dialect::Postgres, k))
        .collect();
    let keys = keys.join(", ");
    let bytes = match column.logical_type {
        LogicalType::Varbinary { .. } => q.clone(),
        _ => format!("convert_to({q}, 'UTF8')"),
    };
    let (over, piece) = (pieces.over, pieces.piece);
    let range = filter.map(|f| format!(" AND ({f})")).unwrap_or_default();
    format!(
        "COPY (SELECT {keys}, s.n AS {PIECE_NUMBER}, \
         substr(v.{PIECE_BYTES}, (s.n * {piece} + 1)::int4, {piece}) AS {PIECE_BYTES} \
         FROM (SELECT {keys}, {bytes} AS {PIECE_BYTES} FROM {qualified} \
         WHERE octet_length({q}) > {over}{range}) AS v, \
         generate_series(0::int8, (octet_length(v.{PIECE_BYTES})::int8 - 1) / {piece}) AS s(n)) \
         TO STDOUT (FORMAT binary)"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pieces::pieced;
    use ferry_schema::{PrimaryKey, Table};

    #[test]
    fn the_pieces_query_cuts_text_as_utf8_and_bytes_as_they_are() {
        let id = Column::new(
            "id",
            LogicalType::Int {
                bits: 64,
                unsigned: false,
            },
        )
        .not_null();
        let body = Column::new("bo\"dy", LogicalType::Text { max_bytes: None });
        let blob = Column::new("blob", LogicalType::Varbinary { length: None });
        let mut t = Table::new("t", vec![id, body.clone(), blob.clone()]);
        t.primary_key = Some(PrimaryKey {
            name: None,
            columns: vec!["id".into()],
        });
        let p = Pieces {
            over: 100,
            piece: 40,
            columns: vec!["bo\"dy".into(), "blob".into()],
        };
        assert_eq!(pieced(&t, Some(&p)).len(), 2);
        assert!(pieced(&t, None).is_empty());
        let key = vec!["id".to_string()];
        let text = pieces_copy("\"s\".\"t\"", &key, &body, &p, Some("\"id\" >= 5"));
        assert!(text.contains("convert_to(\"bo\"\"dy\", 'UTF8')"), "{text}");
        assert!(text.contains("WHERE octet_length(\"bo\"\"dy\") > 100 AND (\"id\" >= 5)"));
        let bytes = pieces_copy("\"s\".\"t\"", &key, &blob, &p, None);
        assert!(!bytes.contains("convert_to"), "{bytes}");
        assert!(bytes.contains("(s.n * 40 + 1)::int4, 40)"), "{bytes}");
        assert_eq!(
            shortened(&body, 100),
            "CASE WHEN octet_length(\"bo\"\"dy\") > 100 THEN '' ELSE \"bo\"\"dy\" END"
        );
        assert_eq!(
            long_flag(&[&body, &blob], 7),
            "coalesce(octet_length(\"bo\"\"dy\") > 7 OR octet_length(\"blob\") > 7, false)"
        );
    }

    #[test]
    fn a_digest_measures_and_hashes_text_as_utf8_and_bytes_as_they_are() {
        let body = Column::new("body", LogicalType::Text { max_bytes: None });
        let blob = Column::new("blob", LogicalType::Varbinary { length: None });
        assert_eq!(
            digested(&body, 9),
            "CASE WHEN octet_length(\"body\") > 9 THEN 'ferry long value: ' || \
             octet_length(convert_to(\"body\", 'UTF8')) || ' bytes, md5 ' || \
             md5(convert_to(\"body\", 'UTF8')) ELSE \"body\" END"
        );
        assert_eq!(
            digested(&blob, 9),
            "CASE WHEN octet_length(\"blob\") > 9 THEN convert_to('ferry long value: ' || \
             octet_length(\"blob\") || ' bytes, md5 ' || md5(\"blob\"), 'UTF8') ELSE \"blob\" END"
        );
    }
}

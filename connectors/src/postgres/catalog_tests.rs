//! Unit tests of the catalog parsing helpers (no server needed).

use super::*;

#[test]
fn defaults_are_classified() {
    assert_eq!(parse_default("nextval('a_id_seq'::regclass)"), None);
    assert_eq!(parse_default("0"), Some(DefaultValue::Number("0".into())));
    assert_eq!(
        parse_default("0.50"),
        Some(DefaultValue::Number("0.50".into()))
    );
    assert_eq!(
        parse_default("'-1'::integer"),
        Some(DefaultValue::Number("-1".into()))
    );
    assert_eq!(
        parse_default("'it''s'::text"),
        Some(DefaultValue::Text("it's".into()))
    );
    assert_eq!(
        parse_default("'x'::character varying"),
        Some(DefaultValue::Text("x".into()))
    );
    assert_eq!(parse_default("true"), Some(DefaultValue::Boolean(true)));
    assert_eq!(parse_default("now()"), Some(DefaultValue::CurrentTimestamp));
    assert_eq!(
        parse_default("CURRENT_TIMESTAMP"),
        Some(DefaultValue::CurrentTimestamp)
    );
    assert_eq!(
        parse_default("CURRENT_DATE"),
        Some(DefaultValue::CurrentDate)
    );
    assert_eq!(parse_default("NULL::text"), Some(DefaultValue::Null));
    assert_eq!(
        parse_default("('a'::text || 'b'::text)"),
        Some(DefaultValue::Expression {
            sql: "('a'::text || 'b'::text)".into(),
            dialect: Dialect::Postgres
        })
    );
    assert_eq!(
        parse_default("'a'::text || 'b'::text"),
        Some(DefaultValue::Expression {
            sql: "'a'::text || 'b'::text".into(),
            dialect: Dialect::Postgres
        })
    );
}

#[test]
fn check_wrapper_is_removed() {
    assert_eq!(
        check_expression("CHECK (price > 0::numeric)"),
        "price > 0::numeric"
    );
    assert_eq!(
        check_expression("CHECK ((a > 0) OR (b > 0)) NOT VALID"),
        "(a > 0) OR (b > 0)"
    );
}

#[test]
fn typmods_decode() {
    assert_eq!(
        logical_type("numeric", (10 << 16 | 2) + 4),
        Some(LogicalType::Decimal {
            precision: Some(10),
            scale: Some(2)
        })
    );
    assert_eq!(
        logical_type("varchar", 24),
        Some(LogicalType::Varchar { length: Some(20) })
    );
    assert_eq!(
        logical_type("timestamptz", -1),
        Some(LogicalType::Timestamp {
            precision: 6,
            with_time_zone: true
        })
    );
    assert_eq!(logical_type("timetz", -1), None);
}

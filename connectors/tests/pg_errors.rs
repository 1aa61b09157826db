//! PostgreSQL connection errors: each names what is wrong and never the password.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use ferry_connectors::postgres::{PgSource, PgTarget};
use ferry_connectors::{ConnectorError, Endpoint, ErrorKind};
use ferry_fixtures::PgDb;

fn endpoint(url: &str) -> Endpoint {
    Endpoint::parse(url).unwrap()
}

#[tokio::test]
async fn wrong_port_is_unreachable() {
    let err = PgSource::connect(&endpoint("postgres://root:pw@127.0.0.1:1/postgres"))
        .await
        .err()
        .unwrap();
    assert!(matches!(err, ConnectorError::Unreachable { .. }), "{err:?}");
    assert_eq!(err.kind(), ErrorKind::Transient);
    assert!(err.to_string().contains("127.0.0.1:1"), "{err}");
}

#[tokio::test]
async fn unknown_database_is_not_found() {
    let err = PgSource::connect(&endpoint(&ferry_fixtures::pg::admin_url_for(
        "ferry_no_such_db",
    )))
    .await
    .err()
    .unwrap();
    match &err {
        ConnectorError::NotFound { what, name, .. } => {
            assert_eq!((*what, name.as_str()), ("database", "ferry_no_such_db"))
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn unknown_schema_is_not_found_and_lists_schemas() {
    let db = PgDb::create("pgerr_schema").await;
    let err = PgSource::connect(&endpoint(&db.url_with_schema("nope")))
        .await
        .err()
        .unwrap();
    match &err {
        ConnectorError::NotFound {
            what, name, hint, ..
        } => {
            assert_eq!((*what, name.as_str()), ("schema", "nope"));
            assert!(hint.contains("public"), "{hint}");
        }
        other => panic!("{other:?}"),
    }
    // A target creates its missing schema instead.
    PgTarget::connect(&endpoint(&db.url_with_schema("Staging Area")), 2)
        .await
        .unwrap();
    PgSource::connect(&endpoint(&db.url_with_schema("Staging Area")))
        .await
        .unwrap();
}

#[tokio::test]
async fn unknown_role_is_auth_without_password() {
    let err = PgSource::connect(&endpoint(&ferry_fixtures::pg::url_as(
        "ferry_no_such_role",
        Some("s3cretpw"),
        "postgres",
    )))
    .await
    .err()
    .unwrap();
    assert!(matches!(err, ConnectorError::Auth { .. }), "{err:?}");
    let text = format!("{err} {err:?}");
    assert!(text.contains("ferry_no_such_role"), "{text}");
    assert!(text.contains("PGPASSWORD"), "{text}");
    assert!(!text.contains("s3cretpw"), "{text}");
}

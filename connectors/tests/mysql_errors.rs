//! Connect-time errors are typed, name the place, and never show the password.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use ferry_connectors::mysql::{MySqlSource, MySqlTarget};
use ferry_connectors::{ConnectorError, Endpoint, ErrorKind, Target};
use ferry_fixtures::MySqlDb;

#[tokio::test]
async fn wrong_port_is_unreachable() {
    // Port 1 on localhost: nothing listens there, the connection is refused.
    let endpoint = Endpoint::parse("mysql://root@127.0.0.1:1/whatever").unwrap();
    let err = MySqlSource::connect(&endpoint).await.err().unwrap();
    assert!(matches!(err, ConnectorError::Unreachable { .. }), "{err}");
    assert_eq!(err.kind(), ErrorKind::Transient);
    assert!(err.to_string().contains("127.0.0.1:1"), "{err}");
}

#[tokio::test]
async fn unknown_database_is_not_found() {
    let db = MySqlDb::create("my_err_nf").await;
    let url = format!("{}_missing", db.url);
    let err = MySqlTarget::connect(&Endpoint::parse(&url).unwrap(), 1)
        .await
        .err()
        .unwrap();
    match &err {
        ConnectorError::NotFound { what, name, .. } => {
            assert_eq!(*what, "database");
            assert_eq!(name, &format!("{}_missing", db.name));
        }
        other => panic!("expected NotFound, got {other}"),
    }
}

#[tokio::test]
async fn wrong_password_is_auth_without_the_password() {
    let db = MySqlDb::create("my_err_auth").await;
    let user = db.create_user("right-Pw-123").await;
    let url = ferry_fixtures::mysql::url_as(&user, Some("wrong-Secret-987"), &db.name);
    let err = MySqlSource::connect(&Endpoint::parse(&url).unwrap())
        .await
        .err()
        .unwrap();
    let text = format!("{err} {err:?}");
    // The right password works, so the refusal is about the password alone.
    let good = ferry_fixtures::mysql::url_as(&user, Some("right-Pw-123"), &db.name);
    let ok = MySqlSource::connect(&Endpoint::parse(&good).unwrap()).await;

    assert!(ok.is_ok(), "the right password must connect");
    match &err {
        ConnectorError::Auth {
            user: u,
            password_env,
            ..
        } => {
            assert_eq!(u, &user);
            assert_eq!(*password_env, "MYSQL_PWD");
        }
        other => panic!("expected Auth, got {other}"),
    }
    assert!(!text.contains("wrong-Secret-987"), "{text}");
    assert!(text.contains("MYSQL_PWD"), "{text}");
}

#[tokio::test]
async fn failed_statement_names_it_and_keeps_the_code() {
    let db = MySqlDb::create("my_err_exec").await;
    let target = MySqlTarget::connect(&Endpoint::parse(&db.url).unwrap(), 1)
        .await
        .unwrap();
    target
        .execute(
            "creating tables",
            &["CREATE TABLE a (id INT PRIMARY KEY)".to_string()],
        )
        .await
        .unwrap();
    assert_eq!(target.existing_tables().await.unwrap(), ["a"]);
    let err = target
        .execute(
            "creating tables",
            &["CREATE TABLE a (id INT PRIMARY KEY)".to_string()],
        )
        .await
        .unwrap_err();
    match &err {
        ConnectorError::Server { context, code, .. } => {
            assert!(
                context.contains("creating tables") && context.contains("CREATE TABLE a"),
                "{context}"
            );
            assert_eq!(code.as_deref(), Some("1050"));
        }
        other => panic!("expected Server, got {other}"),
    }
    assert_eq!(target.query_u64("SELECT MAX(id) FROM a").await.unwrap(), 0);
}

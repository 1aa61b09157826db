use ferry_schema::sqlparser::{dialect::*, parser::Parser};
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let d: Box<dyn Dialect> = match args[1].as_str() { "pg" => Box::new(PostgreSqlDialect{}), "my" => Box::new(MySqlDialect{}), _ => Box::new(SQLiteDialect{}) };
    match Parser::parse_sql(&*d, &args[2]) {
        Ok(s) => for st in s { println!("{st:#?}\n---\n{st}"); },
        Err(e) => println!("ERR {e}"),
    }
}

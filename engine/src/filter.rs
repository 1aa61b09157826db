//! Table selection: `--tables` / `--exclude` patterns with `*` and `?` wildcards.

/// Include/exclude patterns. An empty include list selects every table.
#[derive(Debug, Clone, Default)]
pub struct TableFilter {
    include: Vec<String>,
    exclude: Vec<String>,
}

impl TableFilter {
    /// A filter from the two pattern lists.
    pub fn new(include: Vec<String>, exclude: Vec<String>) -> Self {
        TableFilter { include, exclude }
    }

    /// Whether `table` is selected.
    pub fn selects(&self, table: &str) -> bool {
        let included = self.include.is_empty() || self.include.iter().any(|p| glob_match(p, table));
        included && !self.exclude.iter().any(|p| glob_match(p, table))
    }
}

/// Matches `name` against `pattern`, where `*` is any run of characters and `?`
/// one character. Case-sensitive, like the catalogs' own names.
pub fn glob_match(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    // Iterative matcher with single-star backtracking: linear in practice.
    let (mut pi, mut ni) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while ni < n.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == n[ni]) {
            pi += 1;
            ni += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ni;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ni = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards() {
        assert!(glob_match("*", "Album"));
        assert!(glob_match("Al*", "Album"));
        assert!(glob_match("*um", "Album"));
        assert!(glob_match("A?bum", "Album"));
        assert!(!glob_match("A?bum", "Aalbum"));
        assert!(glob_match("*a*b*", "xxaYYbzz"));
        assert!(!glob_match("album", "Album"));
    }

    #[test]
    fn include_then_exclude() {
        let f = TableFilter::new(vec!["Invoice*".into()], vec!["*Line".into()]);
        assert!(f.selects("Invoice"));
        assert!(!f.selects("InvoiceLine"));
        assert!(!f.selects("Track"));
        assert!(TableFilter::default().selects("anything"));
    }
}

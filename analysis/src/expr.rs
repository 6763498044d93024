//! A small, safe row-level expression language for validation rules and derived columns.
//!
//! Grammar (lowest precedence first): `or`/`||`, `and`/`&&`, `not`/`!`, comparisons
//! (`== != < <= > >=`), `+ -`, `* / %`, unary `-`, and primaries: numbers, `'text'` or
//! `"text"`, `true`, `false`, `null`, column names (bare identifiers or `` `any name` ``),
//! parentheses and the functions `is_null(x)`, `abs(x)`, `len(x)`, `lower(x)`.
//! Nothing else exists: no assignment, no loops, no IO; input is at most 2,000 bytes and
//! 64 levels deep, so evaluation is linear in the expression per row.
//!
//! Missing values are `null`; arithmetic or comparison with `null` gives `null`, and a
//! row fails only when the expression is `false` (as SQL `CHECK` treats unknown).

use crate::profile::{ColumnData, Table};

/// Longest expression accepted, bytes.
pub const MAX_LEN: usize = 2000;
const MAX_DEPTH: usize = 64;

/// Why an expression was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("expression: {0}")]
pub struct ExprError(pub String);

/// A value during evaluation.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    /// Missing.
    Null,
    /// Number.
    Num(f64),
    /// Text.
    Str(String),
    /// Truth value.
    Bool(bool),
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Num(f64),
    Str(String),
    Ident(String),
    Col(String),
    Op(&'static str),
    LParen,
    RParen,
    Comma,
}

fn lex(s: &str) -> Result<Vec<Tok>, ExprError> {
    let b: Vec<char> = s.chars().collect();
    let mut i = 0;
    let mut out = Vec::new();
    const OPS: [&str; 17] = [
        "==", "!=", "<=", ">=", "&&", "||", "<", ">", "+", "-", "*", "/", "%", "!", "=", "(", ")",
    ];
    while i < b.len() {
        let c = b[i];
        if c.is_whitespace() {
            i += 1;
        } else if c.is_ascii_digit() || (c == '.' && b.get(i + 1).is_some_and(char::is_ascii_digit))
        {
            let start = i;
            while i < b.len()
                && (b[i].is_ascii_alphanumeric()
                    || b[i] == '.'
                    || ((b[i] == '+' || b[i] == '-') && matches!(b[i - 1], 'e' | 'E')))
            {
                i += 1;
            }
            let t: String = b[start..i].iter().collect();
            out.push(Tok::Num(
                t.parse()
                    .map_err(|_| ExprError(format!("bad number `{t}`")))?,
            ));
        } else if c == '\'' || c == '"' || c == '`' {
            let start = i + 1;
            i += 1;
            while i < b.len() && b[i] != c {
                i += 1;
            }
            if i >= b.len() {
                return Err(ExprError("unterminated quote".into()));
            }
            let t: String = b[start..i].iter().collect();
            i += 1;
            out.push(if c == '`' { Tok::Col(t) } else { Tok::Str(t) });
        } else if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < b.len() && (b[i].is_alphanumeric() || b[i] == '_' || b[i] == '.') {
                i += 1;
            }
            out.push(Tok::Ident(b[start..i].iter().collect()));
        } else if c == ',' {
            out.push(Tok::Comma);
            i += 1;
        } else {
            let rest: String = b[i..b.len().min(i + 2)].iter().collect();
            let op = OPS
                .iter()
                .find(|o| rest.starts_with(**o))
                .ok_or_else(|| ExprError(format!("unexpected character `{c}`")))?;
            i += op.chars().count();
            out.push(match *op {
                "(" => Tok::LParen,
                ")" => Tok::RParen,
                "=" => Tok::Op("=="),
                o => Tok::Op(o),
            });
        }
    }
    Ok(out)
}

/// A parsed expression with columns resolved to indices.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// A constant.
    Lit(Val),
    /// A column of the table.
    Col(usize),
    /// Unary operator.
    Unary(&'static str, Box<Expr>),
    /// Binary operator.
    Binary(&'static str, Box<Expr>, Box<Expr>),
    /// Function call.
    Call(&'static str, Box<Expr>),
}

struct Parser<'a> {
    toks: Vec<Tok>,
    pos: usize,
    columns: &'a [&'a str],
    depth: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }
    fn is_op(&self, ops: &[&str]) -> Option<&'static str> {
        match self.peek() {
            Some(Tok::Op(o)) if ops.contains(o) => Some(o),
            Some(Tok::Ident(w)) if ops.contains(&w.to_lowercase().as_str()) => {
                match w.to_lowercase().as_str() {
                    "or" => Some("||"),
                    "and" => Some("&&"),
                    "not" => Some("!"),
                    _ => None,
                }
            }
            _ => None,
        }
    }
    fn deeper(&mut self) -> Result<(), ExprError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(ExprError("nested too deeply".into()));
        }
        Ok(())
    }
    fn binary(
        &mut self,
        ops: &[&str],
        next: fn(&mut Self) -> Result<Expr, ExprError>,
    ) -> Result<Expr, ExprError> {
        let mut left = next(self)?;
        while let Some(op) = self.is_op(ops) {
            self.pos += 1;
            let right = next(self)?;
            left = Expr::Binary(op, Box::new(left), Box::new(right));
        }
        Ok(left)
    }
    fn or(&mut self) -> Result<Expr, ExprError> {
        self.deeper()?;
        let e = self.binary(&["||", "or"], Self::and);
        self.depth -= 1;
        e
    }
    fn and(&mut self) -> Result<Expr, ExprError> {
        self.binary(&["&&", "and"], Self::not)
    }
    fn not(&mut self) -> Result<Expr, ExprError> {
        if self.is_op(&["!", "not"]).is_some() {
            self.pos += 1;
            self.deeper()?;
            let e = self.not()?;
            self.depth -= 1;
            return Ok(Expr::Unary("!", Box::new(e)));
        }
        self.cmp()
    }
    fn cmp(&mut self) -> Result<Expr, ExprError> {
        self.binary(&["==", "!=", "<", "<=", ">", ">="], Self::add)
    }
    fn add(&mut self) -> Result<Expr, ExprError> {
        self.binary(&["+", "-"], Self::mul)
    }
    fn mul(&mut self) -> Result<Expr, ExprError> {
        self.binary(&["*", "/", "%"], Self::unary)
    }
    fn unary(&mut self) -> Result<Expr, ExprError> {
        if self.is_op(&["-"]).is_some() {
            self.pos += 1;
            self.deeper()?;
            let e = self.unary()?;
            self.depth -= 1;
            return Ok(Expr::Unary("-", Box::new(e)));
        }
        self.primary()
    }
    fn column(&self, name: &str) -> Result<Expr, ExprError> {
        self.columns
            .iter()
            .position(|c| *c == name)
            .map(Expr::Col)
            .ok_or_else(|| ExprError(format!("unknown column `{name}`")))
    }
    fn primary(&mut self) -> Result<Expr, ExprError> {
        let tok = self
            .toks
            .get(self.pos)
            .cloned()
            .ok_or_else(|| ExprError("unexpected end".into()))?;
        self.pos += 1;
        match tok {
            Tok::Num(n) => Ok(Expr::Lit(Val::Num(n))),
            Tok::Str(s) => Ok(Expr::Lit(Val::Str(s))),
            Tok::Col(c) => self.column(&c),
            Tok::LParen => {
                let e = self.or()?;
                self.expect_rparen()?;
                Ok(e)
            }
            Tok::Ident(w) => match w.as_str() {
                "true" | "True" => Ok(Expr::Lit(Val::Bool(true))),
                "false" | "False" => Ok(Expr::Lit(Val::Bool(false))),
                "null" | "None" => Ok(Expr::Lit(Val::Null)),
                f if self.peek() == Some(&Tok::LParen) => {
                    let name = ["is_null", "abs", "len", "lower"]
                        .into_iter()
                        .find(|n| *n == f)
                        .ok_or_else(|| ExprError(format!("unknown function `{f}`")))?;
                    self.pos += 1;
                    let arg = self.or()?;
                    self.expect_rparen()?;
                    Ok(Expr::Call(name, Box::new(arg)))
                }
                c => self.column(c),
            },
            other => Err(ExprError(format!("unexpected {other:?}"))),
        }
    }
    fn expect_rparen(&mut self) -> Result<(), ExprError> {
        match self.peek() {
            Some(Tok::RParen) => {
                self.pos += 1;
                Ok(())
            }
            _ => Err(ExprError("expected `)`".into())),
        }
    }
}

/// Parses `src` against the table's column names.
pub fn parse(src: &str, columns: &[&str]) -> Result<Expr, ExprError> {
    if src.len() > MAX_LEN {
        return Err(ExprError(format!("longer than {MAX_LEN} bytes")));
    }
    let toks = lex(src)?;
    if toks.iter().any(|t| matches!(t, Tok::Comma)) {
        return Err(ExprError("functions take one argument".into()));
    }
    let mut p = Parser {
        toks,
        pos: 0,
        columns,
        depth: 0,
    };
    let e = p.or()?;
    if p.pos != p.toks.len() {
        return Err(ExprError(format!("unexpected {:?}", p.toks[p.pos])));
    }
    Ok(e)
}

fn cell(table: &Table, col: usize, row: usize) -> Val {
    let Some(c) = table.columns.get(col) else {
        return Val::Null;
    };
    if c.missing[row] {
        return Val::Null;
    }
    match &c.data {
        ColumnData::Int64(v) => Val::Num(v[row] as f64),
        ColumnData::Float64(v) => Val::Num(v[row]),
        ColumnData::Bool(v) => Val::Bool(v[row]),
        ColumnData::Object(s) => s.get(row).map_or(Val::Null, |t| Val::Str(t.to_owned())),
    }
}

fn num(v: &Val) -> Option<f64> {
    match v {
        Val::Num(n) => Some(*n),
        Val::Str(s) => s.trim().parse().ok(),
        Val::Bool(b) => Some(f64::from(u8::from(*b))),
        Val::Null => None,
    }
}

fn truth(v: &Val) -> Option<bool> {
    match v {
        Val::Bool(b) => Some(*b),
        Val::Null => None,
        Val::Num(n) => Some(*n != 0.0),
        Val::Str(s) => Some(!s.is_empty()),
    }
}

fn compare(op: &str, a: &Val, b: &Val) -> Val {
    use std::cmp::Ordering;
    if matches!(a, Val::Null) || matches!(b, Val::Null) {
        return Val::Null;
    }
    let ord = match (a, b) {
        (Val::Str(x), Val::Str(y)) => Some(x.cmp(y)),
        (Val::Bool(x), Val::Bool(y)) => Some(x.cmp(y)),
        _ => match (num(a), num(b)) {
            (Some(x), Some(y)) => x.partial_cmp(&y),
            _ => None,
        },
    };
    let Some(o) = ord else {
        return Val::Bool(op == "!=");
    };
    Val::Bool(match op {
        "==" => o == Ordering::Equal,
        "!=" => o != Ordering::Equal,
        "<" => o == Ordering::Less,
        "<=" => o != Ordering::Greater,
        ">" => o == Ordering::Greater,
        _ => o != Ordering::Less,
    })
}

/// Evaluates `e` on one row.
pub fn eval(e: &Expr, table: &Table, row: usize) -> Val {
    match e {
        Expr::Lit(v) => v.clone(),
        Expr::Col(c) => cell(table, *c, row),
        Expr::Unary("!", x) => truth(&eval(x, table, row)).map_or(Val::Null, |b| Val::Bool(!b)),
        Expr::Unary(_, x) => num(&eval(x, table, row)).map_or(Val::Null, |n| Val::Num(-n)),
        Expr::Call(f, x) => {
            let v = eval(x, table, row);
            match *f {
                "is_null" => Val::Bool(v == Val::Null),
                "abs" => num(&v).map_or(Val::Null, |n| Val::Num(n.abs())),
                "len" => match v {
                    Val::Str(s) => Val::Num(s.chars().count() as f64),
                    _ => Val::Null,
                },
                _ => match v {
                    Val::Str(s) => Val::Str(s.to_lowercase()),
                    other => other,
                },
            }
        }
        Expr::Binary(op, a, b) => {
            let x = eval(a, table, row);
            match *op {
                "&&" => match truth(&x) {
                    Some(false) => Val::Bool(false),
                    l => match (l, truth(&eval(b, table, row))) {
                        (_, Some(false)) => Val::Bool(false),
                        (Some(true), Some(true)) => Val::Bool(true),
                        _ => Val::Null,
                    },
                },
                "||" => match truth(&x) {
                    Some(true) => Val::Bool(true),
                    l => match (l, truth(&eval(b, table, row))) {
                        (_, Some(true)) => Val::Bool(true),
                        (Some(false), Some(false)) => Val::Bool(false),
                        _ => Val::Null,
                    },
                },
                "==" | "!=" | "<" | "<=" | ">" | ">=" => compare(op, &x, &eval(b, table, row)),
                _ => match (num(&x), num(&eval(b, table, row))) {
                    (Some(p), Some(q)) => Val::Num(match *op {
                        "+" => p + q,
                        "-" => p - q,
                        "*" => p * q,
                        "/" => p / q,
                        _ => p % q,
                    }),
                    _ => Val::Null,
                },
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::profile::{read_csv, CsvOptions};

    #[test]
    fn expressions_evaluate_per_row_with_sql_nulls() {
        let t = read_csv(
            b"age,city,ok\n30,Paris,True\n,Rome,False\n-4,Oslo,True\n",
            &CsvOptions::default(),
        )
        .unwrap();
        let names = t.column_names();
        let e = parse("age >= 0 and not (city == 'Oslo') || is_null(age)", &names).unwrap();
        let got: Vec<Val> = (0..3).map(|r| eval(&e, &t, r)).collect();
        assert_eq!(
            got,
            vec![Val::Bool(true), Val::Bool(true), Val::Bool(false)]
        );
        let e = parse("abs(age) * 2 > 7 and len(`city`) = 4", &names).unwrap();
        assert_eq!(eval(&e, &t, 2), Val::Bool(true));
        assert_eq!(eval(&e, &t, 1), Val::Null);
        for bad in [
            "age >",
            "salary > 3",
            "system('x')",
            "age > 1, 2",
            "((((",
            "'open",
        ] {
            assert!(parse(bad, &names).is_err(), "{bad}");
        }
        let deep = format!("{}1{}", "(".repeat(100), ")".repeat(100));
        assert!(parse(&deep, &names).is_err());
    }
}

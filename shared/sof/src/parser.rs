//! A recursive-descent parser for the FHIRPath subset (operator precedence as in the
//! FHIRPath grammar, from `implies` (loosest) to `.`/`[]` (tightest)).

use crate::ast::{BinOp, Expr, Literal};
use crate::error::Error;
use crate::lexer::{Tok, lex};

/// Parses one FHIRPath expression.
///
/// # Errors
/// [`Error::Syntax`] with the offset of the first token that does not fit, and
/// [`Error::Unsupported`] for operators outside the subset (`|`, `is`, `as`, `in`, `contains`,
/// `~`, `!~`).
pub fn parse(src: &str) -> Result<Expr, Error> {
    let syntax = |message: String| Error::Syntax {
        path: src.to_owned(),
        message,
    };
    let tokens = lex(src).map_err(syntax)?;
    let mut parser = Parser { tokens, pos: 0 };
    let expr = parser.expr(0).map_err(|e| e.into_error(src))?;
    match parser.tokens.get(parser.pos) {
        None => Ok(expr),
        Some((at, _)) => Err(syntax(format!("unexpected token at {at}"))),
    }
}

enum Fail {
    Syntax(String),
    Unsupported(String),
}

impl Fail {
    fn into_error(self, src: &str) -> Error {
        match self {
            Self::Syntax(message) => Error::Syntax {
                path: src.to_owned(),
                message,
            },
            Self::Unsupported(what) => Error::unsupported(format!("FHIRPath {what} (in `{src}`)")),
        }
    }
}

struct Parser {
    tokens: Vec<(usize, Tok)>,
    pos: usize,
}

/// Binding power of each binary operator (higher binds tighter).
fn binary(tok: &Tok) -> Option<(u8, Result<BinOp, &'static str>)> {
    let word = match tok {
        Tok::Ident(w) => w.as_str(),
        Tok::Sym(s) => s,
        _ => return None,
    };
    Some(match word {
        "implies" => (1, Ok(BinOp::Implies)),
        "or" => (2, Ok(BinOp::Or)),
        "xor" => (2, Ok(BinOp::Xor)),
        "and" => (3, Ok(BinOp::And)),
        "in" => (4, Err("operator `in`")),
        "contains" => (4, Err("operator `contains`")),
        "=" => (5, Ok(BinOp::Eq)),
        "!=" => (5, Ok(BinOp::Ne)),
        "~" => (5, Err("operator `~` (equivalence)")),
        "!~" => (5, Err("operator `!~` (non-equivalence)")),
        "<" => (6, Ok(BinOp::Lt)),
        "<=" => (6, Ok(BinOp::Le)),
        ">" => (6, Ok(BinOp::Gt)),
        ">=" => (6, Ok(BinOp::Ge)),
        "|" => (7, Err("operator `|` (union)")),
        "is" => (8, Err("operator `is`")),
        "as" => (8, Err("operator `as`")),
        "+" => (9, Ok(BinOp::Add)),
        "-" => (9, Ok(BinOp::Sub)),
        "&" => (9, Ok(BinOp::Concat)),
        "*" => (10, Ok(BinOp::Mul)),
        "/" => (10, Ok(BinOp::Div)),
        "div" => (10, Ok(BinOp::IntDiv)),
        "mod" => (10, Ok(BinOp::Mod)),
        _ => return None,
    })
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.tokens.get(self.pos).map(|(_, t)| t)
    }

    fn at(&self) -> usize {
        self.tokens
            .get(self.pos)
            .map_or_else(|| self.tokens.last().map_or(0, |(a, _)| a + 1), |(a, _)| *a)
    }

    fn eat(&mut self, sym: &str) -> bool {
        if matches!(self.peek(), Some(Tok::Sym(s)) if *s == sym) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, sym: &str) -> Result<(), Fail> {
        if self.eat(sym) {
            Ok(())
        } else {
            Err(Fail::Syntax(format!("expected `{sym}` at {}", self.at())))
        }
    }

    fn expr(&mut self, min: u8) -> Result<Expr, Fail> {
        let mut left = self.unary()?;
        while let Some((power, op)) = self.peek().and_then(binary) {
            if power <= min {
                break;
            }
            let op = op.map_err(|what| Fail::Unsupported(what.to_owned()))?;
            self.pos += 1;
            let right = self.expr(power)?;
            left = Expr::Binary(op, Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, Fail> {
        if self.eat("-") {
            return Ok(Expr::Negate(Box::new(self.unary()?)));
        }
        if self.eat("+") {
            return self.unary();
        }
        let mut expr = self.term()?;
        loop {
            if self.eat(".") {
                expr = self.invocation(Some(Box::new(expr)))?;
            } else if self.eat("[") {
                let index = self.expr(0)?;
                self.expect("]")?;
                expr = Expr::Index(Box::new(expr), Box::new(index));
            } else {
                return Ok(expr);
            }
        }
    }

    fn term(&mut self) -> Result<Expr, Fail> {
        let at = self.at();
        let tok = self
            .peek()
            .cloned()
            .ok_or_else(|| Fail::Syntax(format!("expression expected at {at}")))?;
        match tok {
            Tok::Ident(_) | Tok::Quoted(_) => self.invocation(None),
            Tok::Special(name) => {
                self.pos += 1;
                match name.as_str() {
                    "this" => Ok(Expr::This),
                    other => Err(Fail::Unsupported(format!("`${other}`"))),
                }
            }
            Tok::Constant(name) => {
                self.pos += 1;
                Ok(Expr::Constant(name))
            }
            Tok::Str(s) => {
                self.pos += 1;
                Ok(Expr::Literal(Literal::String(s)))
            }
            Tok::Number(n) => {
                self.pos += 1;
                if matches!(self.peek(), Some(Tok::Str(_))) {
                    return Err(Fail::Unsupported("quantity literals".to_owned()));
                }
                Ok(Expr::Literal(if n.contains('.') {
                    Literal::Decimal(n)
                } else {
                    Literal::Integer(n)
                }))
            }
            Tok::At(text) => {
                self.pos += 1;
                Ok(Expr::Literal(date_literal(text)))
            }
            Tok::Sym("(") => {
                self.pos += 1;
                let inner = self.expr(0)?;
                self.expect(")")?;
                Ok(inner)
            }
            Tok::Sym("{") => {
                self.pos += 1;
                self.expect("}")?;
                Ok(Expr::Literal(Literal::Empty))
            }
            Tok::Sym(_) => Err(Fail::Syntax(format!("unexpected symbol at {at}"))),
        }
    }

    /// `name`, `` `name` ``, `name(args)`, `true`/`false`, after `.` or at the start.
    fn invocation(&mut self, base: Option<Box<Expr>>) -> Result<Expr, Fail> {
        let at = self.at();
        let (name, quoted) = match self.peek().cloned() {
            Some(Tok::Ident(name)) => (name, false),
            Some(Tok::Quoted(name)) => (name, true),
            _ => return Err(Fail::Syntax(format!("name expected at {at}"))),
        };
        self.pos += 1;
        if !quoted && base.is_none() && (name == "true" || name == "false") {
            return Ok(Expr::Literal(Literal::Bool(name == "true")));
        }
        if quoted || !self.eat("(") {
            return Ok(Expr::Member(base, name));
        }
        let mut args = Vec::new();
        if !self.eat(")") {
            loop {
                args.push(self.expr(0)?);
                if self.eat(")") {
                    break;
                }
                self.expect(",")?;
            }
        }
        Ok(Expr::Call(base, name, args))
    }
}

fn date_literal(text: String) -> Literal {
    if let Some(time) = text.strip_prefix('T') {
        Literal::Time(time.to_owned())
    } else if text.contains('T') {
        Literal::DateTime(text)
    } else {
        Literal::Date(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(base: Option<Expr>, name: &str) -> Expr {
        Expr::Member(base.map(Box::new), name.to_owned())
    }

    #[test]
    fn precedence_and_postfix() {
        let e = parse("a.b = 'x' and c[1].d().e or not").unwrap();
        let Expr::Binary(BinOp::Or, left, right) = e else {
            panic!("or at the top")
        };
        assert_eq!(*right, member(None, "not"));
        let Expr::Binary(BinOp::And, eq, _) = *left else {
            panic!("and under or")
        };
        assert_eq!(
            *eq,
            Expr::Binary(
                BinOp::Eq,
                Box::new(member(Some(member(None, "a")), "b")),
                Box::new(Expr::Literal(Literal::String("x".into())))
            )
        );
    }

    #[test]
    fn arithmetic_binds_tighter_than_comparison() {
        let e = parse("1 + 2 * 3 > 4").unwrap();
        let Expr::Binary(BinOp::Gt, sum, _) = e else {
            panic!()
        };
        assert!(
            matches!(*sum, Expr::Binary(BinOp::Add, _, ref m) if matches!(**m, Expr::Binary(BinOp::Mul, _, _)))
        );
    }

    #[test]
    fn literals_constants_and_escapes() {
        assert_eq!(
            parse(r"'it\'s'").unwrap(),
            Expr::Literal(Literal::String("it's".into()))
        );
        assert_eq!(parse("%`a b`").unwrap(), Expr::Constant("a b".into()));
        assert_eq!(
            parse("@2020-01").unwrap(),
            Expr::Literal(Literal::Date("2020-01".into()))
        );
        assert_eq!(
            parse("@T10:00").unwrap(),
            Expr::Literal(Literal::Time("10:00".into()))
        );
        assert_eq!(parse("{}").unwrap(), Expr::Literal(Literal::Empty));
        assert_eq!(
            parse("-1.5").unwrap(),
            Expr::Negate(Box::new(Expr::Literal(Literal::Decimal("1.5".into()))))
        );
    }

    #[test]
    fn errors_name_the_problem() {
        assert!(matches!(parse("@@"), Err(Error::Syntax { .. })));
        assert!(matches!(parse("a."), Err(Error::Syntax { .. })));
        assert!(matches!(parse("a b"), Err(Error::Syntax { .. })));
        let err = parse("a | b").unwrap_err().to_string();
        assert!(err.contains("union"), "{err}");
        assert!(parse("$index").unwrap_err().to_string().contains("$index"));
    }
}

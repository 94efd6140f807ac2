//! The FHIRPath syntax tree of the subset this compiler reads.

/// A literal.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// `{}`
    Empty,
    /// `true` / `false`
    Bool(bool),
    /// `'text'` (unescaped)
    String(String),
    /// `42` (kept as written)
    Integer(String),
    /// `4.2` (kept as written)
    Decimal(String),
    /// `@2020-01-01` (text after `@`)
    Date(String),
    /// `@2020-01-01T10:00:00Z` (text after `@`)
    DateTime(String),
    /// `@T10:00` (text after `@T`)
    Time(String),
}

/// A binary operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    /// `*`
    Mul,
    /// `/`
    Div,
    /// `div`
    IntDiv,
    /// `mod`
    Mod,
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `&`
    Concat,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `=`
    Eq,
    /// `!=`
    Ne,
    /// `and`
    And,
    /// `or`
    Or,
    /// `xor`
    Xor,
    /// `implies`
    Implies,
}

/// An expression. `base: None` means "applied to the current context (`$this`)".
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// A literal.
    Literal(Literal),
    /// `%name`
    Constant(String),
    /// `$this`
    This,
    /// `name` or `base.name`
    Member(Option<Box<Expr>>, String),
    /// `f(args)` or `base.f(args)`
    Call(Option<Box<Expr>>, String, Vec<Expr>),
    /// `base[index]`
    Index(Box<Expr>, Box<Expr>),
    /// `-x` (`+x` parses to `x`)
    Negate(Box<Expr>),
    /// `a op b`
    Binary(BinOp, Box<Expr>, Box<Expr>),
}

impl Expr {
    /// The name a type specifier argument denotes (`Patient`, `FHIR.Patient`, `System.String`).
    pub fn type_name(&self) -> Option<&str> {
        match self {
            Self::Member(None, name) => Some(name),
            Self::Member(Some(base), name) if matches!(base.as_ref(), Self::Member(None, ns) if ns == "FHIR" || ns == "System") => {
                Some(name)
            }
            _ => None,
        }
    }
}

//! A parser and validator for exactly the GSQL statement shapes Starvit generates
//! (`infra/tigergraph/schema.gsql`, `infra/tigergraph/loading_jobs.gsql`):
//!
//! ```text
//! CREATE VERTEX <Name> (PRIMARY_ID id STRING, <attr> <TYPE>, ...) WITH PRIMARY_ID_AS_ATTRIBUTE="true"
//! CREATE DIRECTED EDGE <name> (FROM <Vertex>, TO <Vertex>, <attr> <TYPE>, ...)
//! CREATE GRAPH <g> (<Type>, ...)
//! CREATE LOADING JOB <job> FOR GRAPH <g> {
//!   DEFINE FILENAME <f>;
//!   LOAD <f> TO VERTEX|EDGE <Type> VALUES ($"key", ...) USING JSON_FILE="true";
//! }
//! ```
//! `//` comments run to the end of the line. `<TYPE>` is one of `STRING`, `INT`, `DOUBLE`,
//! `DATETIME`. Anything else is an error: the stub fails on what real TigerGraph might accept
//! differently, so the generator stays inside the grammar we checked.

use std::collections::BTreeMap;

/// The attribute types the generator uses.
pub const TYPES: [&str; 4] = ["STRING", "INT", "DOUBLE", "DATETIME"];

/// A GSQL text does not fit the grammar, or is inconsistent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("gsql: {0}")]
pub struct GsqlError(pub String);

fn err<T>(msg: impl Into<String>) -> Result<T, GsqlError> {
    Err(GsqlError(msg.into()))
}

/// A vertex type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VertexDef {
    /// Type name.
    pub name: String,
    /// Attributes after `PRIMARY_ID id STRING`: (name, type).
    pub attributes: Vec<(String, String)>,
}

/// A directed edge type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EdgeDef {
    /// Type name.
    pub name: String,
    /// Source vertex type.
    pub from: String,
    /// Target vertex type.
    pub to: String,
    /// Attributes: (name, type).
    pub attributes: Vec<(String, String)>,
}

/// A `CREATE GRAPH`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphDef {
    /// Graph name.
    pub name: String,
    /// Types in the graph.
    pub types: Vec<String>,
}

/// `schema.gsql`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Schema {
    /// Vertex types in order.
    pub vertices: Vec<VertexDef>,
    /// Edge types in order.
    pub edges: Vec<EdgeDef>,
    /// Graphs.
    pub graphs: Vec<GraphDef>,
}

/// Whether a `LOAD` targets a vertex or an edge type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// `TO VERTEX`.
    Vertex,
    /// `TO EDGE`.
    Edge,
}

/// One `LOAD` statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Load {
    /// The filename variable.
    pub file: String,
    /// Vertex or edge.
    pub target: Target,
    /// The vertex/edge type.
    pub type_name: String,
    /// Column names of `VALUES ($"col", ...)`, in order.
    pub columns: Vec<String>,
    /// `USING` options.
    pub options: BTreeMap<String, String>,
}

/// One `CREATE LOADING JOB`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadingJob {
    /// Job name.
    pub name: String,
    /// Graph.
    pub graph: String,
    /// `DEFINE FILENAME` variables.
    pub filenames: Vec<String>,
    /// `LOAD` statements.
    pub loads: Vec<Load>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Ident(String),
    Str(String),
    Col(String),
    Punct(char),
}

fn tokenize(text: &str) -> Result<Vec<Tok>, GsqlError> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let string_at = |i: usize| -> Result<(String, usize), GsqlError> {
        let mut j = i + 1;
        let mut s = String::new();
        while j < chars.len() && chars[j] != '"' {
            if chars[j] == '\n' {
                return err("unterminated string");
            }
            s.push(chars[j]);
            j += 1;
        }
        if j >= chars.len() {
            return err("unterminated string");
        }
        Ok((s, j + 1))
    };
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '/' && chars.get(i + 1) == Some(&'/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c.is_ascii_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            out.push(Tok::Ident(chars[start..i].iter().collect()));
        } else if c == '"' {
            let (s, next) = string_at(i)?;
            out.push(Tok::Str(s));
            i = next;
        } else if c == '$' && chars.get(i + 1) == Some(&'"') {
            let (s, next) = string_at(i + 1)?;
            out.push(Tok::Col(s));
            i = next;
        } else if "(){},;=".contains(c) {
            out.push(Tok::Punct(c));
            i += 1;
        } else {
            return err(format!("unexpected character {c:?}"));
        }
    }
    Ok(out)
}

struct Parser {
    toks: Vec<Tok>,
    pos: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }

    fn next(&mut self) -> Result<Tok, GsqlError> {
        let t = self
            .toks
            .get(self.pos)
            .cloned()
            .ok_or_else(|| GsqlError("unexpected end of input".into()))?;
        self.pos += 1;
        Ok(t)
    }

    fn ident(&mut self) -> Result<String, GsqlError> {
        match self.next()? {
            Tok::Ident(s) => Ok(s),
            t => err(format!("expected an identifier, found {t:?}")),
        }
    }

    fn keyword(&mut self, kw: &str) -> Result<(), GsqlError> {
        let got = self.ident()?;
        if got.eq_ignore_ascii_case(kw) {
            Ok(())
        } else {
            err(format!("expected {kw}, found {got}"))
        }
    }

    fn punct(&mut self, p: char) -> Result<(), GsqlError> {
        match self.next()? {
            Tok::Punct(c) if c == p => Ok(()),
            t => err(format!("expected {p:?}, found {t:?}")),
        }
    }

    fn at_punct(&self, p: char) -> bool {
        matches!(self.peek(), Some(Tok::Punct(c)) if *c == p)
    }

    fn at_keyword(&self, kw: &str) -> bool {
        matches!(self.peek(), Some(Tok::Ident(s)) if s.eq_ignore_ascii_case(kw))
    }

    fn string(&mut self) -> Result<String, GsqlError> {
        match self.next()? {
            Tok::Str(s) => Ok(s),
            t => err(format!("expected a string, found {t:?}")),
        }
    }

    fn attr_type(&mut self) -> Result<String, GsqlError> {
        let ty = self.ident()?;
        if TYPES.contains(&ty.as_str()) {
            Ok(ty)
        } else {
            err(format!("unsupported type {ty}"))
        }
    }

    /// `, name TYPE` repeated until `)`.
    fn attributes(&mut self) -> Result<Vec<(String, String)>, GsqlError> {
        let mut attrs = Vec::new();
        while self.at_punct(',') {
            self.punct(',')?;
            let name = self.ident()?;
            attrs.push((name, self.attr_type()?));
        }
        self.punct(')')?;
        Ok(attrs)
    }
}

/// Parses `schema.gsql`.
///
/// # Errors
/// [`GsqlError`] on anything outside the grammar.
pub fn parse_schema(text: &str) -> Result<Schema, GsqlError> {
    let mut p = Parser {
        toks: tokenize(text)?,
        pos: 0,
    };
    let mut schema = Schema::default();
    while p.peek().is_some() {
        p.keyword("CREATE")?;
        let kind = p.ident()?;
        match kind.to_ascii_uppercase().as_str() {
            "VERTEX" => {
                let name = p.ident()?;
                p.punct('(')?;
                p.keyword("PRIMARY_ID")?;
                p.keyword("id")?;
                if p.attr_type()? != "STRING" {
                    return err("PRIMARY_ID must be STRING");
                }
                let attributes = p.attributes()?;
                p.keyword("WITH")?;
                p.keyword("PRIMARY_ID_AS_ATTRIBUTE")?;
                p.punct('=')?;
                if p.string()? != "true" {
                    return err("PRIMARY_ID_AS_ATTRIBUTE must be \"true\"");
                }
                schema.vertices.push(VertexDef { name, attributes });
            }
            "DIRECTED" => {
                p.keyword("EDGE")?;
                let name = p.ident()?;
                p.punct('(')?;
                p.keyword("FROM")?;
                let from = p.ident()?;
                p.punct(',')?;
                p.keyword("TO")?;
                let to = p.ident()?;
                let attributes = p.attributes()?;
                schema.edges.push(EdgeDef {
                    name,
                    from,
                    to,
                    attributes,
                });
            }
            "GRAPH" => {
                let name = p.ident()?;
                p.punct('(')?;
                let mut types = vec![p.ident()?];
                while p.at_punct(',') {
                    p.punct(',')?;
                    types.push(p.ident()?);
                }
                p.punct(')')?;
                schema.graphs.push(GraphDef { name, types });
            }
            other => return err(format!("unsupported statement CREATE {other}")),
        }
    }
    Ok(schema)
}

/// Parses `loading_jobs.gsql`.
///
/// # Errors
/// [`GsqlError`] on anything outside the grammar (unbalanced braces included).
pub fn parse_loading_jobs(text: &str) -> Result<Vec<LoadingJob>, GsqlError> {
    let mut p = Parser {
        toks: tokenize(text)?,
        pos: 0,
    };
    let mut jobs = Vec::new();
    while p.peek().is_some() {
        p.keyword("CREATE")?;
        p.keyword("LOADING")?;
        p.keyword("JOB")?;
        let name = p.ident()?;
        p.keyword("FOR")?;
        p.keyword("GRAPH")?;
        let graph = p.ident()?;
        p.punct('{')?;
        let mut job = LoadingJob {
            name,
            graph,
            filenames: Vec::new(),
            loads: Vec::new(),
        };
        while !p.at_punct('}') {
            if p.at_keyword("DEFINE") {
                p.keyword("DEFINE")?;
                p.keyword("FILENAME")?;
                job.filenames.push(p.ident()?);
                p.punct(';')?;
            } else {
                p.keyword("LOAD")?;
                let file = p.ident()?;
                p.keyword("TO")?;
                let target = match p.ident()?.to_ascii_uppercase().as_str() {
                    "VERTEX" => Target::Vertex,
                    "EDGE" => Target::Edge,
                    other => return err(format!("LOAD TO {other}")),
                };
                let type_name = p.ident()?;
                p.keyword("VALUES")?;
                p.punct('(')?;
                let mut columns = Vec::new();
                loop {
                    match p.next()? {
                        Tok::Col(c) => columns.push(c),
                        t => return err(format!("expected $\"col\", found {t:?}")),
                    }
                    if p.at_punct(',') {
                        p.punct(',')?;
                    } else {
                        break;
                    }
                }
                p.punct(')')?;
                p.keyword("USING")?;
                let mut options = BTreeMap::new();
                loop {
                    let key = p.ident()?;
                    p.punct('=')?;
                    options.insert(key.to_ascii_lowercase(), p.string()?);
                    if p.at_punct(',') {
                        p.punct(',')?;
                    } else {
                        break;
                    }
                }
                p.punct(';')?;
                job.loads.push(Load {
                    file,
                    target,
                    type_name,
                    columns,
                    options,
                });
            }
        }
        p.punct('}')?;
        jobs.push(job);
    }
    Ok(jobs)
}

mod validate;

pub use validate::validate;

#[cfg(test)]
mod tests;

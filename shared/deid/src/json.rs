//! One NDJSON line as a borrowed, flat document ([`Doc`]: no allocation per line once its
//! buffers are warm), and [`Json`], the read-only view that it and `serde_json::Value`
//! share, so the code that reads a resource (the line checks, the gate's extraction, the
//! transform's lookups) has one home whatever the line was parsed into.
//!
//! The parser accepts a subset of what `serde_json` accepts and answers [`Bail`] for the
//! rest: duplicate or escaped object keys, numbers it cannot vouch for, nesting deeper than
//! [`MAX_DEPTH`], and every syntax error. The engine then takes that line through
//! `serde_json::Value`, which decides (and quarantines what does not parse). Whatever it
//! accepts reads as exactly the tree `serde_json::from_str::<Value>` (with
//! `preserve_order`) gives: same members in the same order, same strings, same numbers.

mod parse;

use serde_json::{Number, Value};

/// The line is not one the fast parser or walk vouches for: take the `Value` path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Bail;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Null,
    False,
    True,
    /// An integer of at most 18 digits, not `-0`: its text is its canonical form.
    Int,
    /// Any other number (serde_json parses it when it is needed).
    Num,
    Str,
    /// A string that had escapes: its decoded text is in the document's `dec` buffer.
    StrDec,
    Arr,
    Obj,
}

#[derive(Debug, Clone, Copy)]
struct Node {
    kind: Kind,
    /// The member's key (raw text, never escaped) when the parent is an object.
    key: (u32, u32),
    /// Text range (in the line, or in `dec` for `StrDec`).
    text: (u32, u32),
    /// Index of the next sibling (one past this node's subtree).
    next: u32,
}

/// The reusable buffers of a parsed line.
#[derive(Debug, Default)]
pub(crate) struct DocBuf {
    nodes: Vec<Node>,
    dec: String,
}

/// A parsed line: its text, its nodes in document order, decoded strings.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Doc<'a> {
    src: &'a str,
    dec: &'a str,
    nodes: &'a [Node],
}

impl DocBuf {
    /// The document last parsed from `src` (the same text given to [`DocBuf::parse`]).
    pub(crate) fn doc<'a>(&'a self, src: &'a str) -> Doc<'a> {
        Doc {
            src,
            dec: &self.dec,
            nodes: &self.nodes,
        }
    }
}

/// One node of a [`Doc`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct At<'a> {
    doc: Doc<'a>,
    i: usize,
}

/// A primitive value as the transform sees it.
#[derive(Debug, Clone)]
pub(crate) enum Prim<'a> {
    Str(&'a str),
    Num(Number),
    Bool,
    /// `null`, an array or an object where a primitive was expected.
    Other,
}

impl<'a> Doc<'a> {
    /// The top-level value.
    pub(crate) fn root(self) -> At<'a> {
        At { doc: self, i: 0 }
    }
}

impl<'a> At<'a> {
    fn node(self) -> Node {
        self.doc.nodes[self.i]
    }

    fn children(self, kind: Kind) -> Children<'a> {
        let n = self.node();
        let (i, end) = if n.kind == kind {
            (self.i + 1, n.next as usize)
        } else {
            (0, 0)
        };
        Children {
            doc: self.doc,
            i,
            end,
        }
    }

    /// The member key of this node (empty for an array item or the root).
    pub(crate) fn key(self) -> &'a str {
        let (lo, hi) = self.node().key;
        &self.doc.src[lo as usize..hi as usize]
    }

    /// A string's text and whether it is written as is (no escapes were needed in the
    /// input, so none are needed in the output).
    pub(crate) fn str_plain(self) -> Option<(&'a str, bool)> {
        let n = self.node();
        let (lo, hi) = (n.text.0 as usize, n.text.1 as usize);
        match n.kind {
            Kind::Str => Some((&self.doc.src[lo..hi], true)),
            Kind::StrDec => Some((&self.doc.dec[lo..hi], false)),
            _ => None,
        }
    }

    /// The number's canonical text when it is one already (a short integer).
    pub(crate) fn int_text(self) -> Option<&'a str> {
        let n = self.node();
        (n.kind == Kind::Int).then(|| &self.doc.src[n.text.0 as usize..n.text.1 as usize])
    }

    /// The value as a primitive.
    pub(crate) fn prim(self) -> Result<Prim<'a>, Bail> {
        let n = self.node();
        let text = &self.doc.src[n.text.0 as usize..n.text.1 as usize];
        Ok(match n.kind {
            Kind::Str | Kind::StrDec => Prim::Str(self.as_str().unwrap_or_default()),
            Kind::Int if text.starts_with('-') => {
                Prim::Num(text.parse::<i64>().map_err(|_| Bail)?.into())
            }
            Kind::Int => Prim::Num(text.parse::<u64>().map_err(|_| Bail)?.into()),
            Kind::Num => Prim::Num(serde_json::from_str(text).map_err(|_| Bail)?),
            Kind::True | Kind::False => Prim::Bool,
            Kind::Null | Kind::Arr | Kind::Obj => Prim::Other,
        })
    }

    /// `true` / `false` of a boolean.
    pub(crate) fn bool(self) -> Option<bool> {
        match self.node().kind {
            Kind::True => Some(true),
            Kind::False => Some(false),
            _ => None,
        }
    }
}

/// The children of an array or object.
#[derive(Debug, Clone)]
pub(crate) struct Children<'a> {
    doc: Doc<'a>,
    i: usize,
    end: usize,
}

impl<'a> Iterator for Children<'a> {
    type Item = At<'a>;

    fn next(&mut self) -> Option<At<'a>> {
        if self.i >= self.end {
            return None;
        }
        let at = At {
            doc: self.doc,
            i: self.i,
        };
        self.i = self.doc.nodes[self.i].next as usize;
        Some(at)
    }
}

/// A read-only view of a JSON value: `&serde_json::Value` or a node of a [`Doc`].
pub(crate) trait Json<'v>: Copy + 'v {
    /// The text of a string.
    fn as_str(self) -> Option<&'v str>;
    /// The member `key` of an object.
    fn get(self, key: &str) -> Option<Self>;
    /// True for an object.
    fn is_object(self) -> bool;
    /// True for an array or an object.
    fn is_container(self) -> bool;
    /// The items of an array (nothing for anything else).
    fn items(self) -> impl Iterator<Item = Self> + 'v;
    /// The members of an object in order (nothing for anything else).
    fn members(self) -> impl Iterator<Item = (&'v str, Self)> + 'v;
}

impl<'v> Json<'v> for &'v Value {
    fn as_str(self) -> Option<&'v str> {
        Value::as_str(self)
    }
    fn get(self, key: &str) -> Option<Self> {
        self.as_object()?.get(key)
    }
    fn is_object(self) -> bool {
        Value::is_object(self)
    }
    fn is_container(self) -> bool {
        matches!(self, Value::Array(_) | Value::Object(_))
    }
    fn items(self) -> impl Iterator<Item = Self> + 'v {
        self.as_array().into_iter().flatten()
    }
    fn members(self) -> impl Iterator<Item = (&'v str, Self)> + 'v {
        self.as_object()
            .into_iter()
            .flatten()
            .map(|(k, v)| (k.as_str(), v))
    }
}

impl<'a> Json<'a> for At<'a> {
    fn as_str(self) -> Option<&'a str> {
        self.str_plain().map(|(s, _)| s)
    }
    fn get(self, key: &str) -> Option<Self> {
        self.children(Kind::Obj).find(|m| m.key() == key)
    }
    fn is_object(self) -> bool {
        self.node().kind == Kind::Obj
    }
    fn is_container(self) -> bool {
        matches!(self.node().kind, Kind::Arr | Kind::Obj)
    }
    fn items(self) -> impl Iterator<Item = Self> + 'a {
        self.children(Kind::Arr)
    }
    fn members(self) -> impl Iterator<Item = (&'a str, Self)> + 'a {
        self.children(Kind::Obj).map(|m| (m.key(), m))
    }
}

/// The items of an array, or the value itself when it is not one (FHIR's repeating
/// elements, read leniently like the rest of the engine does).
pub(crate) fn one_or_many<'v, J: Json<'v>>(v: J) -> impl Iterator<Item = J> + 'v {
    let single = (!is_array(v)).then_some(v);
    v.items().chain(single)
}

/// True for an array.
pub(crate) fn is_array<'v, J: Json<'v>>(v: J) -> bool {
    v.is_container() && !v.is_object()
}

#[cfg(test)]
mod tests;

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

use serde_json::{Number, Value};

/// Deepest nesting the parser follows (serde_json's own limit is 128).
pub(crate) const MAX_DEPTH: usize = 100;

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
    /// Parses `src` (one JSON value) into the buffers.
    pub(crate) fn parse(&mut self, src: &str) -> Result<(), Bail> {
        self.nodes.clear();
        self.dec.clear();
        let mut p = Parser {
            s: src.as_bytes(),
            src,
            i: 0,
            buf: self,
        };
        p.ws();
        p.value(0, (0, 0))?;
        p.ws();
        if p.i == p.s.len() { Ok(()) } else { Err(Bail) }
    }

    /// The document last parsed from `src` (the same text given to [`DocBuf::parse`]).
    pub(crate) fn doc<'a>(&'a self, src: &'a str) -> Doc<'a> {
        Doc {
            src,
            dec: &self.dec,
            nodes: &self.nodes,
        }
    }
}

struct Parser<'s, 'b> {
    s: &'s [u8],
    src: &'s str,
    i: usize,
    buf: &'b mut DocBuf,
}

fn u32_of(n: usize) -> Result<u32, Bail> {
    u32::try_from(n).map_err(|_| Bail)
}

impl Parser<'_, '_> {
    fn ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\t' | b'\r') = self.s.get(self.i) {
            self.i += 1;
        }
    }

    fn eat(&mut self, b: u8) -> Result<(), Bail> {
        if self.s.get(self.i) == Some(&b) {
            self.i += 1;
            Ok(())
        } else {
            Err(Bail)
        }
    }

    fn push(&mut self, kind: Kind, key: (u32, u32), text: (usize, usize)) -> Result<usize, Bail> {
        let at = self.buf.nodes.len();
        self.buf.nodes.push(Node {
            kind,
            key,
            text: (u32_of(text.0)?, u32_of(text.1)?),
            next: u32_of(at + 1)?,
        });
        Ok(at)
    }

    fn value(&mut self, depth: usize, key: (u32, u32)) -> Result<(), Bail> {
        match *self.s.get(self.i).ok_or(Bail)? {
            b'{' => self.container(depth, key, Kind::Obj),
            b'[' => self.container(depth, key, Kind::Arr),
            b'"' => {
                let (kind, lo, hi) = self.string(true)?;
                self.push(kind, key, (lo, hi)).map(drop)
            }
            b't' => self.word(b"true", Kind::True, key),
            b'f' => self.word(b"false", Kind::False, key),
            b'n' => self.word(b"null", Kind::Null, key),
            _ => self.number(key),
        }
    }

    fn word(&mut self, w: &[u8], kind: Kind, key: (u32, u32)) -> Result<(), Bail> {
        if !self.s[self.i..].starts_with(w) {
            return Err(Bail);
        }
        self.i += w.len();
        self.push(kind, key, (0, 0)).map(drop)
    }

    fn container(&mut self, depth: usize, key: (u32, u32), kind: Kind) -> Result<(), Bail> {
        if depth >= MAX_DEPTH {
            return Err(Bail);
        }
        let at = self.push(kind, key, (0, 0))?;
        let close = if kind == Kind::Obj { b'}' } else { b']' };
        self.i += 1;
        self.ws();
        if self.s.get(self.i) == Some(&close) {
            self.i += 1;
            return Ok(());
        }
        loop {
            self.ws();
            let mut member_key = (0, 0);
            if kind == Kind::Obj {
                let (k, lo, hi) = self.string(false)?;
                debug_assert_eq!(k, Kind::Str);
                member_key = (u32_of(lo)?, u32_of(hi)?);
                self.ws();
                self.eat(b':')?;
                self.ws();
            }
            self.value(depth + 1, member_key)?;
            self.ws();
            match self.s.get(self.i) {
                Some(b',') => self.i += 1,
                Some(&c) if c == close => {
                    self.i += 1;
                    break;
                }
                _ => return Err(Bail),
            }
        }
        let end = self.buf.nodes.len();
        self.buf.nodes[at].next = u32_of(end)?;
        if kind == Kind::Obj {
            self.no_duplicate_keys(at, end)?;
        }
        Ok(())
    }

    /// serde_json keeps the last of duplicate keys at the place of the first: rare and
    /// adversarial, so such a line takes the `Value` path.
    fn no_duplicate_keys(&self, at: usize, end: usize) -> Result<(), Bail> {
        let nodes = &self.buf.nodes;
        let key = |j: usize| {
            let (lo, hi) = nodes[j].key;
            &self.s[lo as usize..hi as usize]
        };
        let mut seen = 0u64;
        let mut j = at + 1;
        while j < end {
            let k = key(j);
            let h = k
                .iter()
                .take(8)
                .fold(k.len(), |h, &b| h * 31 + usize::from(b));
            let bit = 1u64 << (h % 64);
            if seen & bit != 0 {
                let mut m = at + 1;
                while m < j {
                    if key(m) == k {
                        return Err(Bail);
                    }
                    m = nodes[m].next as usize;
                }
            }
            seen |= bit;
            j = nodes[j].next as usize;
        }
        Ok(())
    }

    /// A string at `self.i` (the opening quote). Returns its kind and text range: in the
    /// line, or in `dec` when it had escapes (allowed only when `escapes`).
    fn string(&mut self, escapes: bool) -> Result<(Kind, usize, usize), Bail> {
        self.eat(b'"')?;
        let lo = self.i;
        let end = memchr::memchr2(b'"', b'\\', &self.s[lo..]).ok_or(Bail)? + lo;
        if self.s[lo..end].iter().any(|&c| c < 0x20) {
            return Err(Bail);
        }
        self.i = end + 1;
        if self.s[end] == b'"' {
            return Ok((Kind::Str, lo, end));
        }
        if !escapes {
            return Err(Bail);
        }
        let dlo = self.buf.dec.len();
        self.buf.dec.push_str(&self.src[lo..end]);
        self.i = end;
        self.escaped()?;
        Ok((Kind::StrDec, dlo, self.buf.dec.len()))
    }

    /// The rest of a string from an escape at `self.i`, decoded into `dec`.
    fn escaped(&mut self) -> Result<(), Bail> {
        loop {
            match *self.s.get(self.i).ok_or(Bail)? {
                b'"' => {
                    self.i += 1;
                    return Ok(());
                }
                b'\\' => {
                    let c = match *self.s.get(self.i + 1).ok_or(Bail)? {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\x08',
                        b'f' => '\x0c',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => {
                            self.i += 2;
                            let c = self.unicode()?;
                            self.buf.dec.push(c);
                            continue;
                        }
                        _ => return Err(Bail),
                    };
                    self.buf.dec.push(c);
                    self.i += 2;
                }
                _ => {
                    let lo = self.i;
                    let end = memchr::memchr2(b'"', b'\\', &self.s[lo..]).ok_or(Bail)? + lo;
                    if self.s[lo..end].iter().any(|&c| c < 0x20) {
                        return Err(Bail);
                    }
                    self.buf.dec.push_str(&self.src[lo..end]);
                    self.i = end;
                }
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, Bail> {
        let h = self.s.get(self.i..self.i + 4).ok_or(Bail)?;
        let h = std::str::from_utf8(h).map_err(|_| Bail)?;
        if !h.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(Bail);
        }
        self.i += 4;
        u32::from_str_radix(h, 16).map_err(|_| Bail)
    }

    /// `XXXX` after `\u` (and its low surrogate); a lone surrogate bails.
    fn unicode(&mut self) -> Result<char, Bail> {
        let hi = self.hex4()?;
        let code = match hi {
            0xD800..=0xDBFF => {
                if self.s.get(self.i..self.i + 2) != Some(b"\\u") {
                    return Err(Bail);
                }
                self.i += 2;
                let lo = self.hex4()?;
                if !(0xDC00..=0xDFFF).contains(&lo) {
                    return Err(Bail);
                }
                0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
            }
            0xDC00..=0xDFFF => return Err(Bail),
            c => c,
        };
        char::from_u32(code).ok_or(Bail)
    }

    fn digits(&mut self) -> usize {
        let lo = self.i;
        while self.s.get(self.i).is_some_and(u8::is_ascii_digit) {
            self.i += 1;
        }
        self.i - lo
    }

    fn number(&mut self, key: (u32, u32)) -> Result<(), Bail> {
        let lo = self.i;
        let negative = self.s[lo] == b'-';
        if negative {
            self.i += 1;
        }
        let int = match self.s.get(self.i) {
            Some(b'0') => {
                self.i += 1;
                1
            }
            Some(b'1'..=b'9') => self.digits(),
            _ => return Err(Bail),
        };
        let mut simple = int <= 18;
        if self.s.get(self.i) == Some(&b'.') {
            self.i += 1;
            if self.digits() == 0 {
                return Err(Bail);
            }
            simple = false;
        }
        let mut exponent = false;
        if let Some(b'e' | b'E') = self.s.get(self.i) {
            self.i += 1;
            if let Some(b'+' | b'-') = self.s.get(self.i) {
                self.i += 1;
            }
            if self.digits() == 0 {
                return Err(Bail);
            }
            exponent = true;
        }
        let text = &self.src[lo..self.i];
        let kind = if simple && !exponent && text != "-0" {
            Kind::Int
        } else {
            // Only an exponent or a huge integer part can be out of serde_json's range.
            if (exponent || int > 300) && serde_json::from_str::<Number>(text).is_err() {
                return Err(Bail);
            }
            Kind::Num
        };
        self.push(kind, key, (lo, self.i)).map(drop)
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

//! The parser of [`DocBuf`]: recursive descent over the bytes of one line, strings found
//! with `memchr`, escapes decoded into the document's `dec` buffer, and a [`Bail`] for
//! everything it does not vouch for (see the module docs of [`super`]).

use serde_json::Number;

use super::{Bail, DocBuf, Kind, Node};

/// Deepest nesting the parser follows (serde_json's own limit is 128).
const MAX_DEPTH: usize = 100;

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
            // Length, first, second and last byte, multiplied and cut to 6 bits.
            let byte = |i: usize| u64::from(k.get(i).copied().unwrap_or(0));
            let x = (k.len() as u64)
                | byte(0) << 16
                | byte(1) << 24
                | byte(k.len().wrapping_sub(1)) << 32;
            let bit = 1u64 << (x.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 58);
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

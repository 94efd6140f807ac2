//! The walk over a parsed line ([`crate::json::Doc`]) that writes its output as it goes:
//! the same decisions as the walk over a `Value` (`mod.rs`, `primitive.rs`), but nothing
//! is built for what the policy drops, and what it keeps is copied from the line. An
//! element, item or object that turns out dropped is rolled back (the output is cut back
//! to where it started), so the written JSON is the `Value` walk's output serialised.
//!
//! Two cases only the `Value` walk handles answer [`Bail`] (the caller redoes the line
//! that way): contained resources the policy keeps (local references must resolve), and
//! ages that with the resource's dates show 90+ (they are stripped after the walk).

use super::meta::{PSEUDED, REDACTED};
use super::primitive::Kept;
use super::{Ctx, Transformer};
use crate::gate::OpenValues;
use crate::json::{At, Bail, Json, Prim, is_array};
use crate::policy::Treat;

/// What a step of the walk answers: kept (written) or not; or bail.
type Walked = Result<bool, Bail>;

/// Writes a string as serde_json does.
fn write_str(out: &mut Vec<u8>, s: &str) {
    if s.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
    } else {
        // Writing into a Vec cannot fail.
        let _ = serde_json::to_writer(&mut *out, s);
    }
}

/// Writes `,"key":` (no comma before the first member); returns where it started. Keys of a
/// parsed line never need escapes (the parser bails on escaped keys).
fn member(out: &mut Vec<u8>, first: bool, key: &str) -> usize {
    let at = out.len();
    if !first {
        out.push(b',');
    }
    out.push(b'"');
    out.extend_from_slice(key.as_bytes());
    out.extend_from_slice(b"\":");
    at
}

/// Writes a kept input value as it is.
fn write_same(out: &mut Vec<u8>, v: At<'_>, prim: &Prim<'_>) -> Result<(), Bail> {
    match prim {
        Prim::Str(s) => match v.str_plain() {
            Some((raw, true)) => {
                out.push(b'"');
                out.extend_from_slice(raw.as_bytes());
                out.push(b'"');
            }
            _ => write_str(out, s),
        },
        Prim::Num(n) => match v.int_text() {
            Some(text) => out.extend_from_slice(text.as_bytes()),
            None => {
                let _ = serde_json::to_writer(&mut *out, n);
            }
        },
        Prim::Bool => {
            let b = v.bool().ok_or(Bail)?;
            out.extend_from_slice(if b { b"true" } else { b"false" });
        }
        Prim::Other => return Err(Bail),
    }
    Ok(())
}

impl Transformer<'_> {
    /// De-identifies a top-level resource of a parsed line, appending its output JSON to
    /// `out`. `Ok(false)`: the policy does not keep its type. The caller has checked
    /// `resourceType` and `id`. `open` receives what the output copied (as in
    /// [`Transformer::resource`]). On `Err(Bail)`, `out` and `open` hold partial results.
    pub fn resource_doc(
        &self,
        r: At<'_>,
        open: &mut OpenValues,
        out: &mut Vec<u8>,
    ) -> Result<bool, Bail> {
        open.clear();
        let Some(head) = self.head(r) else {
            return Ok(false);
        };
        if !head.locals.is_empty() {
            return Err(Bail);
        }
        let mut ctx = Ctx::new(open, &head);
        out.push(b'{');
        let mut first = true;
        for (k, v) in r.members() {
            let at = member(out, first, k);
            let keep = match k {
                "resourceType" => {
                    write_str(out, v.as_str().ok_or(Bail)?);
                    true
                }
                "id" => {
                    write_str(out, &head.new_id);
                    ctx.flags |= PSEUDED;
                    true
                }
                "meta" => false,
                _ => self.element_doc(head.idx, k, v, &mut ctx, out)?,
            };
            if keep {
                first = false;
            } else {
                out.truncate(at);
            }
        }
        if self.ages_implied_by_dates(&ctx) {
            return Err(Bail);
        }
        member(out, first, "meta");
        out.push(b'{');
        if let Some(ver) = &head.version_id {
            out.extend_from_slice(b"\"versionId\":");
            write_str(out, ver);
            out.push(b',');
        }
        out.extend_from_slice(self.meta.tag_json.as_bytes());
        out.extend_from_slice(self.meta.security_json[usize::from(ctx.flags & 15)].as_bytes());
        out.extend_from_slice(b"}}");
        Ok(true)
    }

    fn element_doc(
        &self,
        type_idx: u32,
        name: &str,
        v: At<'_>,
        ctx: &mut Ctx,
        out: &mut Vec<u8>,
    ) -> Walked {
        let treat = self.policy.rules.types[type_idx as usize]
            .get(name)
            .map(|t| self.coded_treat(name, t, ctx.coded));
        let keep = match treat {
            Some(t) => self.apply_doc(t, v, ctx, out)?,
            None => false,
        };
        if !keep {
            ctx.flags |= REDACTED;
        }
        Ok(keep)
    }

    fn apply_doc(&self, t: Treat, v: At<'_>, ctx: &mut Ctx, out: &mut Vec<u8>) -> Walked {
        if !is_array(v) {
            return self.apply_one_doc(t, v, ctx, out);
        }
        out.push(b'[');
        let mut any = false;
        for item in v.items() {
            let at = out.len();
            if any {
                out.push(b',');
            }
            if self.apply_one_doc(t, item, ctx, out)? {
                any = true;
            } else {
                ctx.flags |= REDACTED;
                out.truncate(at);
            }
        }
        out.push(b']');
        Ok(any)
    }

    fn apply_one_doc(&self, t: Treat, v: At<'_>, ctx: &mut Ctx, out: &mut Vec<u8>) -> Walked {
        match t {
            Treat::Contained | Treat::Text(_) => Err(Bail),
            Treat::Ext(set) => match self.ext_type(set, v) {
                Some(ty) => self.object_doc(ty, v, ctx, out),
                None => Ok(false),
            },
            Treat::Type(ty) => self.object_doc(ty, v, ctx, out),
            primitive => {
                let prim = v.prim()?;
                match self.decide(primitive, &prim, ctx) {
                    Kept::Drop => return Ok(false),
                    Kept::Same { open } => {
                        write_same(out, v, &prim)?;
                        if open {
                            ctx.push_open(&prim);
                        }
                    }
                    Kept::Str(s, open) => {
                        write_str(out, &s);
                        if open {
                            ctx.open.push_str(&s);
                        }
                    }
                    Kept::Num(n) => {
                        let _ = serde_json::to_writer(&mut *out, &n);
                    }
                }
                Ok(true)
            }
        }
    }

    fn object_doc(&self, ty: u32, v: At<'_>, ctx: &mut Ctx, out: &mut Vec<u8>) -> Walked {
        let Some(saved) = self.enter(ty, v, ctx) else {
            return Ok(false);
        };
        out.push(b'{');
        let mut first = true;
        for (k, val) in v.members() {
            let at = member(out, first, k);
            if self.element_doc(ty, k, val, ctx, out)? {
                first = false;
            } else {
                out.truncate(at);
            }
        }
        out.push(b'}');
        Ok(self.leave(saved, ctx) && !first)
    }
}

#[cfg(test)]
mod tests;

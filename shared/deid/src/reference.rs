//! Reference forms and how each is rewritten.
//!
//! | input | output |
//! |---|---|
//! | `Type/id`, `Type/id/_history/v` | `Type/<pseudo(id)>` |
//! | `https://host/.../Type/id[/_history/v]` | `Type/<pseudo(id)>` (made relative) |
//! | `urn:uuid:<id>` | `urn:uuid:<pseudo(id)>` (pseudo ids are UUIDs, so it still resolves) |
//! | `#local` (contained) | `#<local_pseudo(local)>`, the contained resource's id is mapped alike; when that contained resource is not kept, the whole `Reference` is dropped (the walk in `transform` decides, not [`rewrite`]) |
//! | `#` (the container) | `#` |
//! | `Type?identifier=sys\|val` (conditional) | dropped: it carries an identifier value and we keep no index |
//! | anything else (`urn:oid:`, `https://host/Smith/1` whose `Smith` is no resource type, garbage) | dropped |

use crate::pseudonym::Pseudonymizer;

/// A parsed `Reference.reference`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefTarget<'a> {
    /// `Type/id` (relative or absolute).
    Typed {
        /// Resource type.
        ty: &'a str,
        /// Logical id.
        id: &'a str,
    },
    /// `urn:uuid:<id>`.
    Uuid(&'a str),
    /// `#id` to a contained resource.
    Contained(&'a str),
    /// `#` to the containing resource.
    Container,
    /// A conditional (search) reference.
    Conditional,
    /// Not a form we can map: dropped.
    Unknown,
}

/// A FHIR R4 resource type name: a path part like `Smith` in
/// `https://portal.example.org/Smith/1` is not one, so that URL is not a reference form.
fn is_type(s: &str) -> bool {
    starvit_fhir::is_resource_type(s)
}

/// True for a syntactically valid FHIR logical id (`[A-Za-z0-9-.]{1,64}`).
#[must_use]
pub fn is_id(s: &str) -> bool {
    /// The bytes of an id: `A-Z a-z 0-9 - .`.
    const ID: [bool; 256] = {
        let mut t = [false; 256];
        let mut i = 0;
        while i < 256 {
            let c = i as u8;
            t[i] = c.is_ascii_alphanumeric() || c == b'-' || c == b'.';
            i += 1;
        }
        t
    };
    !s.is_empty() && s.len() <= 64 && s.bytes().all(|c| ID[usize::from(c)])
}

/// Parses a reference string.
#[must_use]
pub fn parse(s: &str) -> RefTarget<'_> {
    if let Some(local) = s.strip_prefix('#') {
        return if local.is_empty() {
            RefTarget::Container
        } else if is_id(local) {
            RefTarget::Contained(local)
        } else {
            RefTarget::Unknown
        };
    }
    if let Some(id) = s.strip_prefix("urn:uuid:") {
        return if is_id(id) {
            RefTarget::Uuid(id)
        } else {
            RefTarget::Unknown
        };
    }
    if memchr::memchr(b'?', s.as_bytes()).is_some() {
        return RefTarget::Conditional;
    }
    // `_` is rare in a reference: look for `/_history/` only when there is one.
    let history = memchr::memchr(b'_', s.as_bytes())
        .and_then(|_| memchr::memmem::find(s.as_bytes(), b"/_history/"));
    let path = match history {
        Some(i) => &s[..i],
        None => s,
    };
    // The last two parts of the path, split at `/` (bytes: `/` is ASCII).
    let Some(slash) = memchr::memrchr(b'/', path.as_bytes()) else {
        return RefTarget::Unknown;
    };
    let (head, id) = (&path[..slash], &path[slash + 1..]);
    let ty = memchr::memrchr(b'/', head.as_bytes()).map_or(head, |i| &head[i + 1..]);
    if is_type(ty) && is_id(id) {
        RefTarget::Typed { ty, id }
    } else {
        RefTarget::Unknown
    }
}

/// Rewrites a reference string; `None` means "drop it".
#[must_use]
pub fn rewrite(s: &str, p: &Pseudonymizer) -> Option<String> {
    rewrite_with(s, p, |id, out| out.push_str(&p.id(id)))
}

/// [`rewrite`] with the id pseudonym appended by `id_of` (a memoised [`Pseudonymizer::id`]).
pub(crate) fn rewrite_with(
    s: &str,
    p: &Pseudonymizer,
    id_of: impl FnOnce(&str, &mut String),
) -> Option<String> {
    let joined = |prefix: &str, rest: &str| {
        let mut out = String::with_capacity(prefix.len() + rest.len());
        out.push_str(prefix);
        out.push_str(rest);
        out
    };
    match parse(s) {
        RefTarget::Typed { ty, id } => {
            let mut out = String::with_capacity(ty.len() + 37);
            out.push_str(ty);
            out.push('/');
            id_of(id, &mut out);
            Some(out)
        }
        RefTarget::Uuid(id) => {
            let mut out = String::with_capacity(9 + 36);
            out.push_str("urn:uuid:");
            id_of(id, &mut out);
            Some(out)
        }
        RefTarget::Contained(local) => Some(joined("#", &p.local_id(local))),
        RefTarget::Container => Some("#".to_owned()),
        RefTarget::Conditional | RefTarget::Unknown => None,
    }
}

/// The logical id a reference points to when it may be a Patient (`Patient/x`, or an
/// untyped `urn:uuid:x`), used to find the patient whose date shift applies.
#[must_use]
pub fn patient_id(s: &str) -> Option<&str> {
    match parse(s) {
        RefTarget::Typed { ty: "Patient", id } | RefTarget::Uuid(id) => Some(id),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        assert_eq!(
            parse("Patient/abc"),
            RefTarget::Typed {
                ty: "Patient",
                id: "abc"
            }
        );
        assert_eq!(
            parse("https://example.org/fhir/R4/Patient/abc/_history/3"),
            RefTarget::Typed {
                ty: "Patient",
                id: "abc"
            }
        );
        assert_eq!(parse("urn:uuid:abc"), RefTarget::Uuid("abc"));
        assert_eq!(parse("#p1"), RefTarget::Contained("p1"));
        assert_eq!(parse("#"), RefTarget::Container);
        assert_eq!(
            parse("Patient?identifier=http://x|123"),
            RefTarget::Conditional
        );
        assert_eq!(parse("urn:oid:1.2.3"), RefTarget::Unknown);
        assert_eq!(parse("John Smith"), RefTarget::Unknown);
        assert_eq!(
            parse("https://portal.example.org/Smith/1"),
            RefTarget::Unknown
        );
    }
}

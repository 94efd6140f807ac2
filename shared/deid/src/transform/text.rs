//! A text element of the profile's `[text]` section: a placeholder in the output, the raw
//! text to the line's pending list (see [`crate::text`]). Only the `Value` walk does this
//! (the streaming walk bails on a text element).

use serde_json::Value;

use super::meta::{MASKED, REDACTED};
use super::{Ctx, Transformer};
use crate::json::Json;
use crate::policy::TextKind;
use crate::text::{self, PendingText};

/// The line's pending texts, and how many `base64-text` bodies could not be read.
#[derive(Debug, Default)]
pub(crate) struct Pending {
    pub texts: Vec<PendingText>,
    pub unreadable: u64,
}

/// True for `text/plain` with or without parameters (`; charset=utf-8`).
fn is_text_plain(content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or_default().trim();
    essence.eq_ignore_ascii_case("text/plain")
}

impl Transformer<'_> {
    /// Whether the object's `contentType` is `text/plain` (a `base64-text` body is sent
    /// only then); false without a `[text]` section.
    pub(super) fn text_plain<'v>(&self, v: impl Json<'v>) -> bool {
        self.policy.has_text()
            && v.get("contentType")
                .and_then(Json::as_str)
                .is_some_and(is_text_plain)
    }

    /// Replaces a text value by its placeholder and keeps the text; false (dropped) for a
    /// non-string, an empty text, or a body that is not readable `text/plain`.
    pub(super) fn text(&self, kind: TextKind, v: &mut Value, ctx: &mut Ctx) -> bool {
        ctx.flags |= REDACTED | MASKED;
        let Value::String(s) = v else {
            return false;
        };
        let text = match kind {
            TextKind::Plain => std::mem::take(s),
            TextKind::Base64 if ctx.text_plain => match text::decode(s) {
                Some(t) => t,
                None => {
                    self.pending.borrow_mut().unreadable += 1;
                    return false;
                }
            },
            TextKind::Base64 => return false,
        };
        if text.trim().is_empty() {
            return false;
        }
        let mut pending = self.pending.borrow_mut();
        *v = Value::String(text::placeholder(pending.texts.len()));
        pending.texts.push(PendingText {
            text,
            base64: kind == TextKind::Base64,
        });
        true
    }

    /// The pending texts of the line just walked (empty for most lines).
    pub(crate) fn take_pending(&self) -> Pending {
        std::mem::take(&mut *self.pending.borrow_mut())
    }
}

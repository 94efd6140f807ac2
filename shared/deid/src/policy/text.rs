//! A profile's `[text]` section: the free-text elements it sends to Cloud DLP instead of
//! dropping them, checked against the rules file it includes.
//!
//! `"Type.element" = "string" | "base64-text"`: `Type` is a `[types.X]` or `[resources.X]`
//! table of the rules file (backbone names keep their dots: `"Timing.repeat.x"` is element
//! `x` of `Timing.repeat`); the element must not be listed there (a rule already decides
//! it) nor be one the engine handles (`id`, `meta`, `text`, ...). `base64-text` is a
//! base64 attachment body, sent only when its sibling `contentType` is `text/plain` (the
//! owner must list `contentType` as a media type). Anything else is a compile error.

use std::collections::BTreeMap;

use super::model::RulesFile;

/// How a text element's value is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TextKind {
    /// A JSON string of plain text (or markdown).
    Plain,
    /// Base64 of UTF-8 `text/plain` (`Attachment.data`).
    Base64,
}

/// One text element: the owner's key in the compile namespace (`resource:X` or the type
/// name), the element, its kind.
pub(crate) type TextElement = (String, String, TextKind);

/// Checks the `[text]` section against the rules file.
pub(crate) fn text_elements(
    file: &RulesFile,
    text: &BTreeMap<String, String>,
) -> Result<Vec<TextElement>, String> {
    let mut out = Vec::new();
    for (name, kind) in text {
        let bad = |why: &str| format!("text.{name:?}: {why}");
        let (owner, elem) = name
            .rsplit_once('.')
            .ok_or_else(|| bad("not Type.element"))?;
        if elem.is_empty() || !elem.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(bad("not Type.element"));
        }
        let (key, elements) = match (file.types.get(owner), file.resources.get(owner)) {
            (Some(t), None) => (owner.to_owned(), t),
            (None, Some(r)) => {
                if matches!(
                    elem,
                    "id" | "meta" | "resourceType" | "text" | "modifierExtension"
                ) {
                    return Err(bad("handled by the engine"));
                }
                (format!("resource:{owner}"), r)
            }
            (Some(_), Some(_)) => return Err(bad("ambiguous type")),
            (None, None) => return Err(bad("unknown type in the rules file")),
        };
        if elements.contains_key(elem) {
            return Err(bad("already has a rule in the rules file"));
        }
        let kind = match kind.as_str() {
            "string" => TextKind::Plain,
            "base64-text" => {
                if elements.get("contentType").map(String::as_str) != Some("media-type") {
                    return Err(bad("base64-text needs a contentType media-type sibling"));
                }
                TextKind::Base64
            }
            _ => return Err(bad("kind must be \"string\" or \"base64-text\"")),
        };
        out.push((key, elem.to_owned(), kind));
    }
    Ok(out)
}

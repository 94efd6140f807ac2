//! What an expression sees: the view's [`Env`] and one expression's [`Scope`].

use std::collections::BTreeMap;

use crate::error::Error;
use crate::sql::Aliases;
use crate::value::Val;

/// What every expression of one view can see.
#[derive(Debug)]
pub(crate) struct Env {
    /// The view's resource type (a leading `Patient.` in a path names the resource itself).
    pub(crate) resource_type: String,
    /// SQL of the resource JSON of the current row.
    pub(crate) resource: String,
    /// `%name` constants.
    pub(crate) constants: BTreeMap<String, Val>,
    pub(crate) aliases: Aliases,
}

/// The evaluation context of one expression.
#[derive(Debug, Clone)]
pub(crate) struct Scope<'a> {
    pub(crate) env: &'a Env,
    /// `$this`: the resource, a `forEach` item or a `where()` item (shape One).
    pub(crate) this: Val,
    /// `%rowIndex` (INT64 SQL).
    pub(crate) row_index: String,
    /// The expression text, for error messages.
    pub(crate) path: &'a str,
}

impl Scope<'_> {
    pub(crate) fn semantic(&self, message: impl Into<String>) -> Error {
        Error::Semantic {
            path: self.path.to_owned(),
            message: message.into(),
        }
    }

    /// The same scope with another `$this`.
    pub(crate) fn with_this(&self, this: Val) -> Self {
        Self {
            this,
            ..self.clone()
        }
    }
}

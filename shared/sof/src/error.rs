//! The one error type of the compiler: what was not accepted, and where.

/// A ViewDefinition the compiler refuses. The message names the construct (a JSON key, a
/// FHIRPath function or operator) and where it was met; it never quotes resource data (the
/// compiler never sees any).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The ViewDefinition JSON is not what the specification allows.
    #[error("invalid ViewDefinition: {0}")]
    Invalid(String),
    /// A FHIRPath expression does not parse.
    #[error("FHIRPath syntax error in `{path}`: {message}")]
    Syntax {
        /// The expression.
        path: String,
        /// What went wrong, with the character offset.
        message: String,
    },
    /// Valid input that this compiler does not support (yet): never compiled to SQL that
    /// could be wrong.
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// A FHIRPath expression is well formed but cannot be typed (e.g. an undefined constant).
    #[error("in `{path}`: {message}")]
    Semantic {
        /// The expression.
        path: String,
        /// What is wrong.
        message: String,
    },
}

impl Error {
    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        Self::Invalid(message.into())
    }

    pub(crate) fn unsupported(message: impl Into<String>) -> Self {
        Self::Unsupported(message.into())
    }
}

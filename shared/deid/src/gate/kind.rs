//! [`ValueKind`]: what kind of identifying value a hit is (a leaf: errors and quarantine
//! reasons name it without depending on the gate).

/// Kind of an identifying value; the only thing ever reported about a hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ValueKind {
    /// A HumanName part, its text, or given and family names run together.
    Name,
    /// An Identifier value or another identifying number.
    Identifier,
    /// A ContactPoint value (phone, email, URL).
    Telecom,
    /// An Address part below the state.
    Address,
    /// A full date of birth.
    BirthDate,
    /// An extension's string value.
    ExtensionValue,
    /// Free text (notes, comments, descriptions).
    FreeText,
    /// A Reference.display.
    Display,
    /// A resource or reference id.
    ResourceId,
    /// The gate could not check (its automaton is beyond its limits): fail closed.
    Unchecked,
}

impl ValueKind {
    /// The quarantine reason code of a leak-gate hit of this kind.
    #[must_use]
    pub fn gate_code(self) -> &'static str {
        match self {
            Self::Name => "leak_gate:name",
            Self::Identifier => "leak_gate:identifier",
            Self::Telecom => "leak_gate:telecom",
            Self::Address => "leak_gate:address",
            Self::BirthDate => "leak_gate:birth-date",
            Self::ExtensionValue => "leak_gate:extension-value",
            Self::FreeText => "leak_gate:free-text",
            Self::Display => "leak_gate:display",
            Self::ResourceId => "leak_gate:resource-id",
            Self::Unchecked => "leak_gate:unchecked",
        }
    }
}

impl std::fmt::Display for ValueKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Name => "name",
            Self::Identifier => "identifier",
            Self::Telecom => "telecom",
            Self::Address => "address",
            Self::BirthDate => "birth-date",
            Self::ExtensionValue => "extension-value",
            Self::FreeText => "free-text",
            Self::Display => "display",
            Self::ResourceId => "resource-id",
            Self::Unchecked => "unchecked",
        })
    }
}

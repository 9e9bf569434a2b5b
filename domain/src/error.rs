//! Validation errors that point at the offending field.

use std::fmt;

/// One invalid field: where it is and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// Name of the field as the client sent it (a JSON Pointer segment path such as `roles/1`).
    pub field: String,
    /// Human-readable explanation, in English, of what is wrong.
    pub detail: String,
}

impl FieldError {
    /// Builds a field error.
    pub fn new(field: impl Into<String>, detail: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            detail: detail.into(),
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.detail)
    }
}

/// A non-empty list of field errors, returned when a value fails the domain's rules.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ValidationErrors {
    errors: Vec<FieldError>,
}

impl ValidationErrors {
    /// An empty collector; push errors into it and finish with [`ValidationErrors::into_result`].
    pub fn new() -> Self {
        Self::default()
    }

    /// A collection holding one error.
    pub fn single(field: impl Into<String>, detail: impl Into<String>) -> Self {
        Self {
            errors: vec![FieldError::new(field, detail)],
        }
    }

    /// Adds an error.
    pub fn push(&mut self, error: FieldError) {
        self.errors.push(error);
    }

    /// Records the error of a fallible step under `field`, returning the value when it succeeded.
    pub fn collect<T>(&mut self, field: &str, result: Result<T, String>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(detail) => {
                self.push(FieldError::new(field, detail));
                None
            }
        }
    }

    /// Adds every error of `other`, prefixing their fields with `prefix/`.
    pub fn extend_prefixed(&mut self, prefix: &str, other: ValidationErrors) {
        for e in other.errors {
            self.push(FieldError::new(format!("{prefix}/{}", e.field), e.detail));
        }
    }

    /// True when no error was recorded.
    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// The recorded errors.
    pub fn errors(&self) -> &[FieldError] {
        &self.errors
    }

    /// `Ok(value)` when nothing was recorded, otherwise `Err(self)`.
    pub fn into_result<T>(self, value: T) -> Result<T, ValidationErrors> {
        if self.errors.is_empty() {
            Ok(value)
        } else {
            Err(self)
        }
    }
}

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.errors.iter().map(ToString::to_string).collect();
        write!(f, "{}", parts.join("; "))
    }
}

impl std::error::Error for ValidationErrors {}

//! The error a pipeline run ends with, and the exit code each kind maps to.
//!
//! Inside the stages errors are `anyhow` chains with context (as in Zola and mdBook).
//! At the library's edge they become an [`Error`], whose kind decides the exit code:
//! 0 success, 1 the input is invalid (the user fixes a file), 2 anything else (usage,
//! I/O, keys, a build already running).

use std::fmt;
use std::path::PathBuf;

use crate::diag::Diagnostics;

/// Why a build, check or verification did not succeed.
#[derive(Debug)]
pub enum Error {
    /// The site's input files have problems, each with file, line and field.
    Invalid(Diagnostics),
    /// Another build of the same output folder holds the lock.
    Busy {
        /// The lock file.
        lock: PathBuf,
        /// The process that holds it, when it wrote its id.
        pid: Option<u32>,
    },
    /// Anything else: I/O, keys, templates. The chain is printed cause by cause.
    Other(anyhow::Error),
}

impl Error {
    /// The process exit code for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Invalid(_) => 1,
            Error::Busy { .. } | Error::Other(_) => 2,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Invalid(diagnostics) => write!(f, "{diagnostics}"),
            Error::Busy { lock, pid } => {
                write!(f, "another build of this site is running")?;
                if let Some(pid) = pid {
                    write!(f, " (pid {pid})")?;
                }
                write!(
                    f,
                    "\n     hint: wait for it to finish; the lock is {}",
                    lock.display()
                )
            }
            // `{:#}` prints the whole chain on one line; main prints it cause by cause.
            Error::Other(err) => write!(f, "{err}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Other(err) => err.source(),
            _ => None,
        }
    }
}

impl From<Diagnostics> for Error {
    fn from(diagnostics: Diagnostics) -> Self {
        Error::Invalid(diagnostics)
    }
}

impl From<anyhow::Error> for Error {
    fn from(err: anyhow::Error) -> Self {
        match err.downcast::<Diagnostics>() {
            Ok(diagnostics) => Error::Invalid(diagnostics),
            Err(err) => match err.downcast::<Error>() {
                Ok(error) => error,
                Err(err) => Error::Other(err),
            },
        }
    }
}

impl From<std::io::Error> for Error {
    fn from(err: std::io::Error) -> Self {
        Error::Other(err.into())
    }
}

/// The result of a pipeline run.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Diagnostic;

    #[test]
    fn invalid_input_exits_1_and_other_errors_2() {
        let invalid: Error =
            anyhow::Error::from(Diagnostics(vec![Diagnostic::new("a.csv".as_ref(), "bad")])).into();
        assert_eq!(invalid.exit_code(), 1);
        assert!(invalid.to_string().contains("a.csv: bad"));
        let other: Error = anyhow::anyhow!("disk full").into();
        assert_eq!(other.exit_code(), 2);
        let busy = Error::Busy {
            lock: "x/.public.lock".into(),
            pid: Some(42),
        };
        assert_eq!(busy.exit_code(), 2);
        assert!(
            busy.to_string()
                .starts_with("another build of this site is running (pid 42)")
        );
    }
}

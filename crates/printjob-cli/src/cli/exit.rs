//! Exit codes: one per [`ErrorKind`], documented in README.md ("Exit codes") so that scripts
//! can branch on them. They belong to the command line, not to the library.

use printjob::ErrorKind;

/// The process exit code for a failure of this kind (0 is success and is never returned here).
pub fn code(kind: ErrorKind) -> u8 {
    match kind {
        ErrorKind::Internal => 1,
        ErrorKind::Usage => 2,
        ErrorKind::SignIn => 3,
        ErrorKind::SignInCancelled => 4,
        ErrorKind::Permission => 5,
        ErrorKind::NotFound => 6,
        ErrorKind::PartialFailure => 7,
        ErrorKind::Service => 8,
        ErrorKind::NotAvailable => 9,
        ErrorKind::UnresolvedName => 10,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_are_distinct() {
        let kinds = [
            ErrorKind::Internal,
            ErrorKind::Usage,
            ErrorKind::SignIn,
            ErrorKind::SignInCancelled,
            ErrorKind::Permission,
            ErrorKind::NotFound,
            ErrorKind::PartialFailure,
            ErrorKind::Service,
            ErrorKind::NotAvailable,
            ErrorKind::UnresolvedName,
        ];
        let mut codes: Vec<u8> = kinds.iter().map(|k| code(*k)).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), kinds.len());
        assert!(!codes.contains(&0));
    }
}

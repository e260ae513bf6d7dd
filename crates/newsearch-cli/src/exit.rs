//! Exit statuses: the three a run can end with, what each means, and the `Exit status:` line
//! of each command's help, built from them so the numbers are written down once.

/// How a run ended, as the process's exit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Exit {
    /// 0: the command did what was asked (`query` and `related`: something matched; `show`: the
    /// article was found; `check`: the index is sound). Also a run whose reader went away
    /// (`| head`).
    Success = 0,
    /// 1: `query` or `related` matched nothing, or `show` found no such article.
    NotFound = 1,
    /// 2: something failed: bad arguments (clap exits with 2 too), a file or record that could
    /// not be read, a missing, unreadable or damaged index.
    Error = 2,
}

impl Exit {
    /// The status as a number.
    pub(crate) const fn code(self) -> u8 {
        self as u8
    }
}

impl From<Exit> for std::process::ExitCode {
    fn from(exit: Exit) -> Self {
        std::process::ExitCode::from(exit.code())
    }
}

/// A command's help line for its statuses: `Exit status: 0 if…, 1 if…, 2 on error.`, each
/// status followed by what it means for that command, in the order given.
pub(crate) fn status_help(meanings: &[(Exit, &str)]) -> String {
    let parts: Vec<String> =
        meanings.iter().map(|(exit, meaning)| format!("{} {meaning}", exit.code())).collect();
    format!("Exit status: {}.", parts.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn help_lists_the_codes_with_their_meanings() {
        assert_eq!(
            status_help(&[(Exit::Success, "if something matched"), (Exit::NotFound, "if nothing did")]),
            "Exit status: 0 if something matched, 1 if nothing did."
        );
    }

    #[test]
    fn argument_errors_exit_as_errors_do() {
        use clap::CommandFactory;
        let e = crate::args::Cli::command()
            .try_get_matches_from(["newsearch", "query", "--sort", "x"])
            .unwrap_err();
        assert_eq!(e.exit_code(), i32::from(Exit::Error.code()));
    }
}

//! Status transitions: which moves are legal, and what closing requires.

use super::action::Action;
use super::incident::{Determination, Status};
use thiserror::Error;

/// Why a status change is refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TransitionError {
    /// The move is not in the lifecycle.
    #[error("cannot move from {from} to {to}; allowed: {allowed}")]
    Illegal {
        /// Current status.
        from: Status,
        /// Requested status.
        to: Status,
        /// The legal next statuses, comma-separated.
        allowed: String,
    },
    /// Closing needs a determination first.
    #[error("cannot close an undetermined incident: record the determination first")]
    Undetermined,
    /// Closing with open work needs a lead's recorded reason.
    #[error("cannot close with {0} open action(s) or unmet notice(s) without a recorded reason")]
    OpenWork(usize),
}

/// The statuses reachable from `from` in one move.
pub fn allowed_next(from: Status) -> &'static [Status] {
    use Status::*;
    match from {
        New => &[Triaged, Closed],
        Triaged => &[Investigating, Actions, Closed],
        Investigating => &[Actions, Closed],
        Actions => &[Investigating, Closed],
        Closed => &[Investigating],
    }
}

/// Checks a move between statuses (closing has further checks in [`check_close`]).
pub fn check_transition(from: Status, to: Status) -> Result<(), TransitionError> {
    if from == to || allowed_next(from).contains(&to) {
        return Ok(());
    }
    Err(TransitionError::Illegal {
        from,
        to,
        allowed: allowed_next(from)
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(", "),
    })
}

/// Checks that an incident may close: a determination is recorded, and open actions or unmet
/// notices are either none or explained by a reason.
pub fn check_close(
    determination: Determination,
    actions: &[Action],
    unmet_notices: usize,
    reason: Option<&str>,
) -> Result<(), TransitionError> {
    if determination == Determination::Undetermined {
        return Err(TransitionError::Undetermined);
    }
    let open = actions.iter().filter(|a| a.status.is_open()).count() + unmet_notices;
    let has_reason = reason.is_some_and(|r| !r.trim().is_empty());
    if open > 0 && !has_reason {
        return Err(TransitionError::OpenWork(open));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use Status::*;

    #[test]
    fn forward_moves_are_legal() {
        for (from, to) in [
            (New, Triaged),
            (Triaged, Investigating),
            (Investigating, Actions),
            (Actions, Closed),
            (Closed, Investigating),
        ] {
            assert_eq!(check_transition(from, to), Ok(()), "{from} -> {to}");
        }
    }

    #[test]
    fn illegal_move_names_the_allowed_ones() {
        let err = check_transition(New, Actions).unwrap_err();
        assert_eq!(
            err.to_string(),
            "cannot move from new to actions; allowed: triaged, closed"
        );
        assert!(check_transition(Closed, New).is_err());
    }

    #[test]
    fn close_needs_determination_and_reason_for_open_work() {
        assert_eq!(
            check_close(Determination::Undetermined, &[], 0, None),
            Err(TransitionError::Undetermined)
        );
        assert_eq!(check_close(Determination::NearMiss, &[], 0, None), Ok(()));
        assert_eq!(
            check_close(Determination::Breach, &[], 2, None),
            Err(TransitionError::OpenWork(2))
        );
        assert_eq!(
            check_close(Determination::Breach, &[], 2, Some("  ")),
            Err(TransitionError::OpenWork(2))
        );
        assert_eq!(
            check_close(Determination::Breach, &[], 2, Some("notices by BA")),
            Ok(())
        );
    }
}

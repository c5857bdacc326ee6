//! Every command a person can give the console, by the dotted name keymap files use. The help
//! popup, the hints bar and the command palette are generated from this list and the keymap.

/// Generates the command enum with names and descriptions.
macro_rules! commands {
    ($($(#[$doc:meta])* $variant:ident => $name:literal, $desc:literal;)+) => {
        /// A user command.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Command {
            $($(#[$doc])* $variant),+
        }

        impl Command {
            /// Every command, in palette order.
            pub const ALL: &'static [Command] = &[$(Command::$variant),+];

            /// The dotted name used in keymap files.
            pub fn name(self) -> &'static str {
                match self { $(Command::$variant => $name),+ }
            }

            /// What it does, for help and the palette.
            pub fn description(self) -> &'static str {
                match self { $(Command::$variant => $desc),+ }
            }

            /// The command with this dotted name.
            pub fn parse(name: &str) -> Option<Command> {
                Self::ALL.iter().copied().find(|c| c.name() == name.trim())
            }
        }
    };
}

commands! {
    /// Leave the console.
    AppQuit => "app.quit", "quit";
    /// Show the key bindings.
    AppHelp => "app.help", "help: every key binding";
    /// Run any command by name.
    AppPalette => "app.palette", "command palette";
    /// Search every incident as you type.
    AppSearch => "app.search", "search all incidents";
    /// Reload from the server.
    AppRefresh => "app.refresh", "reload from the server";
    /// Queue beside the detail or one pane at a time.
    AppToggleLayout => "app.toggle_layout", "toggle split layout";
    /// Next pane.
    PaneNext => "pane.next", "next pane";
    /// Previous pane.
    PanePrev => "pane.prev", "previous pane";
    /// The inbound queue.
    PaneQueue => "pane.queue", "queue pane";
    /// Classification and clocks.
    PaneClassify => "pane.classify", "classify pane";
    /// Root-cause notes.
    PaneNotes => "pane.notes", "notes pane";
    /// Owner and deadline board.
    PaneBoard => "pane.board", "board pane";
    /// Trends and patterns.
    PaneDashboard => "pane.dashboard", "dashboard pane";
    /// Escalations.
    PaneEscalations => "pane.escalations", "escalations pane";
    /// Move down.
    NavDown => "nav.down", "down";
    /// Move up.
    NavUp => "nav.up", "up";
    /// To the top.
    NavTop => "nav.top", "top";
    /// To the bottom.
    NavBottom => "nav.bottom", "bottom";
    /// A page down.
    NavPageDown => "nav.page_down", "page down";
    /// A page up.
    NavPageUp => "nav.page_up", "page up";
    /// Open or confirm.
    NavOpen => "nav.open", "open / confirm";
    /// Back or close.
    NavBack => "nav.back", "back / close";
    /// Filter the queue.
    QueueFilter => "queue.filter", "filter the queue";
    /// Clear the filter.
    QueueClearFilter => "queue.clear_filter", "clear the filter";
    /// Change the order.
    QueueSort => "queue.sort", "cycle sort order";
    /// File a report from the console.
    QueueNewReport => "queue.new_report", "new report";
    /// Move the incident to its next status.
    IncidentAdvance => "incident.advance", "advance status";
    /// Assign the incident.
    IncidentAssign => "incident.assign", "assign owner";
    /// Set severity.
    IncidentSeverity => "incident.severity", "set severity";
    /// Take the suggested determination and save.
    IncidentDecide => "incident.decide", "decide as suggested";
    /// Edit the discovery date D0.
    IncidentEditD0 => "incident.edit_d0", "edit discovery date D0";
    /// Next form field.
    FieldNext => "field.next", "next field";
    /// Previous form field.
    FieldPrev => "field.prev", "previous field";
    /// Next value of the field.
    FieldCycle => "field.cycle", "next value";
    /// Previous value of the field.
    FieldCycleBack => "field.cycle_back", "previous value";
    /// Type the field's value.
    FieldEdit => "field.edit", "edit field";
    /// Save the form.
    FieldSave => "field.save", "save";
    /// Write a note.
    NoteNew => "note.new", "new note";
    /// Edit the root-cause summary.
    NoteRootCause => "note.root_cause", "edit root cause";
    /// Edit the contributing factors (comma-separated).
    NoteFactors => "note.factors", "edit contributing factors";
    /// Save the editor.
    EditorSave => "editor.save", "save";
    /// Leave the editor without saving.
    EditorCancel => "editor.cancel", "cancel";
    /// Add a corrective action.
    ActionAdd => "action.add", "add action";
    /// Reassign the action.
    ActionReassign => "action.reassign", "reassign";
    /// Move the due date (with a reason).
    ActionRedate => "action.redate", "re-date";
    /// Mark the action done.
    ActionComplete => "action.complete", "complete";
    /// Verify a done action (not its owner).
    ActionVerify => "action.verify", "verify";
    /// Escalate one level.
    ActionEscalate => "action.escalate", "escalate";
    /// Acknowledge: work has started.
    ActionAck => "action.ack", "acknowledge";
    /// Only my work on the board, nearest due first (toggle).
    BoardMine => "board.mine", "my work only";
    /// Group the board by owner or by due date.
    BoardGroup => "board.group", "group by owner/due";
    /// Show the changes waiting to be sent.
    AppOutbox => "app.outbox", "outbox: changes waiting to be sent";
    /// Send the outbox now instead of waiting for the next retry.
    OutboxRetry => "outbox.retry", "send the outbox now";
    /// Drop a queued change (it is never sent).
    OutboxDrop => "outbox.drop", "drop the selected change";
    /// Take the other person's version.
    ConflictReload => "conflict.reload", "reload theirs";
    /// Apply my change on their version.
    ConflictReapply => "conflict.reapply", "re-apply mine";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_parse_back() {
        let mut names: Vec<&str> = Command::ALL.iter().map(|c| c.name()).collect();
        for c in Command::ALL {
            assert_eq!(Command::parse(c.name()), Some(*c));
        }
        names.sort();
        names.dedup();
        assert_eq!(names.len(), Command::ALL.len());
    }
}

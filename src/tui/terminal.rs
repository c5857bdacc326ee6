//! The terminal guard: raw mode, alternate screen and bracketed paste on entry; everything
//! restored on every exit, panic included.

use crossterm::event::{DisableBracketedPaste, EnableBracketedPaste};
use crossterm::execute;
use ratatui::DefaultTerminal;
use std::io::stdout;

/// Restores the terminal when dropped.
pub struct TerminalGuard {
    /// The ratatui terminal.
    pub terminal: DefaultTerminal,
}

impl TerminalGuard {
    /// Enters the console's terminal mode; `ratatui::init` also installs a panic hook that
    /// restores the terminal before the panic message prints.
    pub fn enter() -> std::io::Result<Self> {
        let terminal = ratatui::try_init()?;
        execute!(stdout(), EnableBracketedPaste)?;
        Ok(TerminalGuard { terminal })
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        let _ = execute!(stdout(), DisableBracketedPaste);
        ratatui::restore();
    }
}

//! Key bindings as data: TOML sections per pane plus `[global]`, `"key" = "command.name"` or
//! `{ action = "command.name", desc = "…" }`, sequences like `"g g"`. A user file replaces only
//! the keys it names; a bad file is reported with its name and line and the defaults keep working.

use super::command::Command;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::collections::BTreeMap;
use std::path::Path;

const DEFAULT: &str = include_str!("../../keymaps/default.toml");
const VIM: &str = include_str!("../../keymaps/vim.toml");
const EMACS: &str = include_str!("../../keymaps/emacs.toml");

/// Every section a keymap file may have.
pub const SECTIONS: &[&str] = &[
    "global",
    "list",
    "queue",
    "classify",
    "notes",
    "board",
    "escalations",
    "dashboard",
    "popup",
    "help",
    "conflict",
    "outbox",
    "editor",
];

/// Sections that fall back to `[list]` before `[global]`.
const LIST_PANES: &[&str] = &[
    "queue",
    "classify",
    "notes",
    "board",
    "escalations",
    "dashboard",
];

/// One key press, normalised so shifted letters compare by their character.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Chord {
    code: KeyCodeKey,
    mods: u8,
}

/// An orderable stand-in for crossterm's `KeyCode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum KeyCodeKey {
    Char(char),
    F(u8),
    Named(&'static str),
}

const NAMED: &[(&str, KeyCode)] = &[
    ("enter", KeyCode::Enter),
    ("esc", KeyCode::Esc),
    ("tab", KeyCode::Tab),
    ("backtab", KeyCode::BackTab),
    ("up", KeyCode::Up),
    ("down", KeyCode::Down),
    ("left", KeyCode::Left),
    ("right", KeyCode::Right),
    ("pageup", KeyCode::PageUp),
    ("pagedown", KeyCode::PageDown),
    ("home", KeyCode::Home),
    ("end", KeyCode::End),
    ("backspace", KeyCode::Backspace),
    ("delete", KeyCode::Delete),
    ("insert", KeyCode::Insert),
];

const CTRL: u8 = 1;
const ALT: u8 = 2;

impl Chord {
    /// The chord of a key event.
    pub fn from_event(key: &KeyEvent) -> Option<Chord> {
        let mut mods = 0;
        if key.modifiers.contains(KeyModifiers::CONTROL) {
            mods |= CTRL;
        }
        if key.modifiers.contains(KeyModifiers::ALT) {
            mods |= ALT;
        }
        let code = match key.code {
            KeyCode::Char(' ') => KeyCodeKey::Named("space"),
            KeyCode::Char(c) if mods & CTRL != 0 => KeyCodeKey::Char(c.to_ascii_lowercase()),
            KeyCode::Char(c) => KeyCodeKey::Char(c),
            KeyCode::F(n) => KeyCodeKey::F(n),
            KeyCode::Tab if key.modifiers.contains(KeyModifiers::SHIFT) => {
                KeyCodeKey::Named("backtab")
            }
            other => KeyCodeKey::Named(NAMED.iter().find(|(_, k)| *k == other)?.0),
        };
        Some(Chord { code, mods })
    }

    /// Parses `ctrl-s`, `alt-x`, `G`, `?`, `enter`, `shift-tab`, `f5`, `space`.
    pub fn parse(spec: &str) -> Option<Chord> {
        let mut mods = 0;
        let mut rest = spec;
        loop {
            let lower = rest.to_ascii_lowercase();
            if rest.len() > 1 && lower.starts_with("ctrl-") {
                mods |= CTRL;
                rest = &rest[5..];
            } else if rest.len() > 1 && lower.starts_with("alt-") {
                mods |= ALT;
                rest = &rest[4..];
            } else if rest.len() > 1 && lower.starts_with("shift-") {
                rest = &rest[6..];
                if rest.eq_ignore_ascii_case("tab") {
                    return Some(Chord {
                        code: KeyCodeKey::Named("backtab"),
                        mods,
                    });
                }
                let mut chars = rest.chars();
                let (Some(c), None) = (chars.next(), chars.next()) else {
                    return None;
                };
                return Some(Chord {
                    code: KeyCodeKey::Char(c.to_ascii_uppercase()),
                    mods,
                });
            } else {
                break;
            }
        }
        let mut chars = rest.chars();
        if let (Some(c), None) = (chars.next(), chars.clone().next()) {
            let c = if mods & CTRL != 0 {
                c.to_ascii_lowercase()
            } else {
                c
            };
            return Some(Chord {
                code: KeyCodeKey::Char(c),
                mods,
            });
        }
        let lower = rest.to_ascii_lowercase();
        if lower == "space" {
            return Some(Chord {
                code: KeyCodeKey::Named("space"),
                mods,
            });
        }
        if let Some(n) = lower
            .strip_prefix('f')
            .and_then(|n| n.parse::<u8>().ok())
            .filter(|n| (1..=12).contains(n))
        {
            return Some(Chord {
                code: KeyCodeKey::F(n),
                mods,
            });
        }
        NAMED
            .iter()
            .find(|(name, _)| *name == lower)
            .map(|(name, _)| Chord {
                code: KeyCodeKey::Named(name),
                mods,
            })
    }
}

impl std::fmt::Display for Chord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.mods & CTRL != 0 {
            f.write_str("ctrl-")?;
        }
        if self.mods & ALT != 0 {
            f.write_str("alt-")?;
        }
        match self.code {
            KeyCodeKey::Char(c) => write!(f, "{c}"),
            KeyCodeKey::F(n) => write!(f, "f{n}"),
            KeyCodeKey::Named(n) => f.write_str(n),
        }
    }
}

/// The text of a key event as a keymap file would write it.
pub fn key_to_string(key: &KeyEvent) -> String {
    Chord::from_event(key)
        .map(|c| c.to_string())
        .unwrap_or_else(|| "?".into())
}

/// A binding as shown in help and hints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    /// The keys, e.g. `g g`.
    pub keys: String,
    /// The command.
    pub command: Command,
    /// Its description.
    pub desc: String,
}

/// What a key press means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolution {
    /// Run this command.
    Command(Command),
    /// The start of a longer sequence: wait for the next key.
    Pending,
    /// Nothing.
    Unbound,
}

/// A problem in a keymap file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {message}")]
pub struct KeymapError {
    /// The file.
    pub file: String,
    /// The line (1-based; 0 when unknown).
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// The active key bindings.
#[derive(Debug, Clone, Default)]
pub struct Keymap {
    sections: BTreeMap<String, BTreeMap<Vec<Chord>, (Command, String)>>,
}

fn line_of(text: &str, byte: usize) -> usize {
    text[..byte.min(text.len())].matches('\n').count() + 1
}

/// The line of a `[section]` header.
fn find_section_line(text: &str, section: &str) -> usize {
    text.lines()
        .position(|l| {
            l.trim()
                .trim_start_matches('[')
                .trim_end_matches(']')
                .trim()
                == section
        })
        .map_or(0, |n| n + 1)
}

/// The line where `key` is bound in `section` of the raw file text.
fn find_line(text: &str, section: &str, key: &str) -> usize {
    let mut current = String::new();
    for (n, line) in text.lines().enumerate() {
        let t = line.trim();
        if let Some(name) = t.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
            current = name.trim().to_string();
        } else if current == section
            && (t.starts_with(&format!("\"{key}\""))
                || t.starts_with(&format!("'{key}'"))
                || t.split('=').next().map(str::trim) == Some(key))
        {
            return n + 1;
        }
    }
    0
}

impl Keymap {
    /// Applies a keymap file over this one; bindings it names replace the existing ones.
    pub fn overlay(&mut self, file: &str, text: &str) -> Vec<KeymapError> {
        let err = |line: usize, message: String| KeymapError {
            file: file.to_string(),
            line,
            message,
        };
        let table: toml::Table = match toml::from_str(text) {
            Ok(t) => t,
            Err(e) => {
                return vec![err(
                    e.span().map(|s| line_of(text, s.start)).unwrap_or(0),
                    e.message().to_string(),
                )];
            }
        };
        let mut staged = Vec::new();
        let mut errors = Vec::new();
        for (section, entries) in &table {
            if !SECTIONS.contains(&section.as_str()) {
                errors.push(err(
                    find_section_line(text, section),
                    format!(
                        "unknown section [{section}]; known: {}",
                        SECTIONS.join(", ")
                    ),
                ));
                continue;
            }
            let Some(entries) = entries.as_table() else {
                errors.push(err(
                    find_line(text, "", section),
                    format!("'{section}' must be a [section] of bindings"),
                ));
                continue;
            };
            for (keys, value) in entries {
                let line = find_line(text, section, keys);
                let (name, desc) = match value {
                    toml::Value::String(s) => (s.clone(), None),
                    toml::Value::Table(t) => match t.get("action").and_then(|a| a.as_str()) {
                        Some(a) => (
                            a.to_string(),
                            t.get("desc").and_then(|d| d.as_str()).map(str::to_string),
                        ),
                        None => {
                            errors.push(err(
                                line,
                                format!("binding '{keys}' needs action = \"command.name\""),
                            ));
                            continue;
                        }
                    },
                    _ => {
                        errors.push(err(
                            line,
                            format!("binding '{keys}' must be a command name"),
                        ));
                        continue;
                    }
                };
                let Some(command) = Command::parse(&name) else {
                    errors.push(err(
                        line,
                        format!("unknown command '{name}' for key '{keys}'"),
                    ));
                    continue;
                };
                let chords: Option<Vec<Chord>> =
                    keys.split_whitespace().map(Chord::parse).collect();
                match chords {
                    Some(c) if !c.is_empty() => staged.push((
                        section.clone(),
                        c,
                        command,
                        desc.unwrap_or_else(|| command.description().to_string()),
                    )),
                    _ => errors.push(err(line, format!("cannot read the key '{keys}'"))),
                }
            }
        }
        if errors.is_empty() {
            for (section, chords, command, desc) in staged {
                self.sections
                    .entry(section)
                    .or_default()
                    .insert(chords, (command, desc));
            }
        }
        errors
    }

    fn chain(section: &str) -> Vec<&str> {
        let mut chain = vec![section];
        if LIST_PANES.contains(&section) {
            chain.push("list");
        }
        chain.push("global");
        chain
    }

    fn resolve_in(&self, sections: &[&str], pending: &[KeyEvent], key: KeyEvent) -> Resolution {
        let mut seq: Vec<Chord> = pending.iter().filter_map(Chord::from_event).collect();
        let Some(chord) = Chord::from_event(&key) else {
            return Resolution::Unbound;
        };
        seq.push(chord);
        let mut prefix = false;
        for section in sections {
            let Some(map) = self.sections.get(*section) else {
                continue;
            };
            if let Some((command, _)) = map.get(&seq) {
                return Resolution::Command(*command);
            }
            prefix |= map
                .keys()
                .any(|k| k.len() > seq.len() && k.starts_with(&seq));
        }
        if prefix {
            Resolution::Pending
        } else {
            Resolution::Unbound
        }
    }

    /// Resolves a key in `section`, then `[list]` for panes with lists, then `[global]`.
    pub fn resolve(&self, section: &str, pending: &[KeyEvent], key: KeyEvent) -> Resolution {
        self.resolve_in(&Self::chain(section), pending, key)
    }

    /// Resolves a key in `section` alone (popups and editors, where other keys are text).
    pub fn resolve_only(&self, section: &str, pending: &[KeyEvent], key: KeyEvent) -> Resolution {
        self.resolve_in(&[section], pending, key)
    }

    /// The bindings of one section, for help and hints.
    pub fn bindings(&self, section: &str) -> Vec<Binding> {
        self.sections
            .get(section)
            .map(|m| {
                m.iter()
                    .map(|(keys, (command, desc))| Binding {
                        keys: keys
                            .iter()
                            .map(|c| c.to_string())
                            .collect::<Vec<_>>()
                            .join(" "),
                        command: *command,
                        desc: desc.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Every section name.
    pub fn all_sections(&self) -> Vec<String> {
        self.sections.keys().cloned().collect()
    }

    /// Whether some section binds `command`.
    pub fn binds(&self, command: Command) -> bool {
        self.sections
            .values()
            .any(|m| m.values().any(|(c, _)| *c == command))
    }
}

/// The built-in keymap of this name, if there is one.
fn builtin(name: &str) -> Option<&'static str> {
    match name {
        "default" => Some(""),
        "vim" => Some(VIM),
        "emacs" => Some(EMACS),
        _ => None,
    }
}

/// Loads the default keymap, the named one over it (built-in, or `<dir>/keymaps/<name>.toml`)
/// and the user's `<dir>/keymap.toml` over that. Errors are returned, never fatal: a file with
/// errors is skipped whole.
pub fn load_keymap(name: &str, user_dir: Option<&Path>) -> (Keymap, Vec<KeymapError>) {
    let mut keymap = Keymap::default();
    let mut errors = keymap.overlay("keymaps/default.toml", DEFAULT);
    match (builtin(name), user_dir) {
        (Some(text), _) => errors.extend(keymap.overlay(&format!("keymaps/{name}.toml"), text)),
        (None, Some(dir)) => {
            let path = dir.join("keymaps").join(format!("{name}.toml"));
            match std::fs::read_to_string(&path) {
                Ok(text) => errors.extend(keymap.overlay(&path.display().to_string(), &text)),
                Err(e) => errors.push(KeymapError {
                    file: path.display().to_string(),
                    line: 0,
                    message: format!("keymap '{name}' not found: {e}"),
                }),
            }
        }
        (None, None) => errors.push(KeymapError {
            file: name.into(),
            line: 0,
            message: "no such built-in keymap".into(),
        }),
    }
    if let Some(dir) = user_dir {
        let path = dir.join("keymap.toml");
        if let Ok(text) = std::fs::read_to_string(&path) {
            errors.extend(keymap.overlay(&path.display().to_string(), &text));
        }
    }
    (keymap, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(c: char) -> KeyEvent {
        KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
    }

    #[test]
    fn builtins_parse_and_default_binds_every_command() {
        for name in ["default", "vim", "emacs"] {
            let (k, errors) = load_keymap(name, None);
            assert!(errors.is_empty(), "{name}: {errors:?}");
            if name == "default" {
                for c in Command::ALL {
                    assert!(k.binds(*c), "{} is not bound", c.name());
                }
            }
        }
    }

    #[test]
    fn sequences_pend_then_resolve() {
        let (k, _) = load_keymap("vim", None);
        assert_eq!(k.resolve("queue", &[], key('g')), Resolution::Pending);
        assert_eq!(
            k.resolve("queue", &[key('g')], key('g')),
            Resolution::Command(Command::NavTop)
        );
        assert_eq!(
            k.resolve(
                "queue",
                &[],
                KeyEvent::new(KeyCode::Char('G'), KeyModifiers::SHIFT)
            ),
            Resolution::Command(Command::NavBottom)
        );
    }

    #[test]
    fn user_file_overrides_only_its_keys_and_errors_name_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("keymap.toml"),
            "[queue]\n\"x\" = \"app.quit\"\n",
        )
        .unwrap();
        let (k, errors) = load_keymap("default", Some(dir.path()));
        assert!(errors.is_empty());
        assert_eq!(
            k.resolve("queue", &[], key('x')),
            Resolution::Command(Command::AppQuit)
        );
        assert_eq!(
            k.resolve("queue", &[], key('j')),
            Resolution::Command(Command::NavDown)
        );
        std::fs::write(
            dir.path().join("keymap.toml"),
            "[queue]\n\"y\" = \"app.quit\"\n\n\"z\" = \"no.such\"\n",
        )
        .unwrap();
        let (k, errors) = load_keymap("default", Some(dir.path()));
        assert_eq!(errors.len(), 1);
        assert!(
            errors[0].to_string().contains("keymap.toml:4"),
            "{}",
            errors[0]
        );
        assert!(errors[0].message.contains("no.such"));
        assert_eq!(
            k.resolve("queue", &[], key('y')),
            Resolution::Unbound,
            "a bad file is skipped whole"
        );
        assert_eq!(
            k.resolve("queue", &[], key('j')),
            Resolution::Command(Command::NavDown)
        );
    }

    #[test]
    fn key_names_round_trip() {
        for spec in [
            "ctrl-s", "alt-x", "G", "?", "enter", "backtab", "f5", "space", "pagedown",
        ] {
            let chord = Chord::parse(spec).unwrap();
            assert_eq!(chord.to_string(), spec);
        }
        assert_eq!(Chord::parse("shift-tab").unwrap().to_string(), "backtab");
        assert!(Chord::parse("ctrl-").is_none() || Chord::parse("ctrl-").is_some());
        assert!(Chord::parse("nonsense").is_none());
        let ev = KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL);
        assert_eq!(key_to_string(&ev), "ctrl-s");
    }
}

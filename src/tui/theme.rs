//! Themes as data: a `[palette]` of named colours and `[styles]` of semantic roles
//! (`row.selected`, `severity.critical`, `deadline.overdue`…). A missing role falls back to its
//! prefix; a theme may inherit another. With `NO_COLOR`, colours go and modifiers carry meaning.

use ratatui::style::{Color, Modifier, Style};
use std::collections::HashMap;
use std::path::Path;
use std::str::FromStr;

const BUILTIN: &[(&str, &str)] = &[
    ("dark", include_str!("../../themes/dark.toml")),
    ("light", include_str!("../../themes/light.toml")),
    (
        "high-contrast",
        include_str!("../../themes/high-contrast.toml"),
    ),
    ("mono", include_str!("../../themes/mono.toml")),
];

/// A problem in a theme file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {message}")]
pub struct ThemeError {
    /// The file.
    pub file: String,
    /// The line (1-based, 0 when unknown).
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// Resolved styles by role.
#[derive(Debug, Clone, Default)]
pub struct Theme {
    styles: HashMap<String, Style>,
}

impl Theme {
    /// The style of `role`, falling back to its prefixes (`severity.critical` → `severity`).
    pub fn style(&self, role: &str) -> Style {
        let mut key = role;
        loop {
            if let Some(s) = self.styles.get(key) {
                return *s;
            }
            match key.rfind('.') {
                Some(i) => key = &key[..i],
                None => return self.styles.get("text").copied().unwrap_or_default(),
            }
        }
    }

    /// Removes every colour, keeping modifiers, then layers the monochrome theme's modifiers.
    fn without_colour(mut self) -> Theme {
        let (mono, _) = parse_into(Theme::default(), "themes/mono.toml", BUILTIN[3].1, 0);
        for style in self.styles.values_mut() {
            style.fg = None;
            style.bg = None;
            style.underline_color = None;
        }
        for (role, s) in mono.styles {
            let entry = self.styles.entry(role).or_default();
            entry.add_modifier = s.add_modifier;
        }
        self
    }
}

fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| {
            l.trim_start().starts_with(needle)
                || l.trim_start().starts_with(&format!("\"{needle}\""))
        })
        .map(|n| n + 1)
        .unwrap_or(0)
}

fn builtin(name: &str) -> Option<&'static str> {
    BUILTIN.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}

/// Parses `text` over `base` (its `inherits` is loaded first).
fn parse_into(base: Theme, file: &str, text: &str, depth: u8) -> (Theme, Vec<ThemeError>) {
    let err = |line: usize, message: String| ThemeError {
        file: file.to_string(),
        line,
        message,
    };
    let table: toml::Table = match toml::from_str(text) {
        Ok(t) => t,
        Err(e) => {
            let line = e
                .span()
                .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1)
                .unwrap_or(0);
            return (base, vec![err(line, e.message().to_string())]);
        }
    };
    let mut errors = Vec::new();
    let mut theme = base;
    if let Some(parent) = table.get("inherits").and_then(|v| v.as_str()) {
        match builtin(parent) {
            Some(t) if depth < 4 => {
                let (p, e) = parse_into(theme, &format!("themes/{parent}.toml"), t, depth + 1);
                theme = p;
                errors.extend(e);
            }
            _ => errors.push(err(
                line_of(text, "inherits"),
                format!("cannot inherit '{parent}'"),
            )),
        }
    }
    let mut palette: HashMap<String, Color> = HashMap::new();
    if let Some(p) = table.get("palette").and_then(|v| v.as_table()) {
        for (name, value) in p {
            match value.as_str().map(Color::from_str) {
                Some(Ok(c)) => {
                    palette.insert(name.clone(), c);
                }
                _ => errors.push(err(
                    line_of(text, name),
                    format!("palette colour '{name}' is not a colour (#rrggbb, a name, or 0-255)"),
                )),
            }
        }
    }
    let colour = |v: &toml::Value| -> Option<Color> {
        let s = v.as_str()?;
        palette.get(s).copied().or_else(|| Color::from_str(s).ok())
    };
    if let Some(styles) = table.get("styles").and_then(|v| v.as_table()) {
        for (role, spec) in styles {
            let Some(spec) = spec.as_table() else {
                errors.push(err(
                    line_of(text, role),
                    format!("style '{role}' must be a table like {{ fg = \"red\", bold = true }}"),
                ));
                continue;
            };
            let mut style = Style::default();
            for (k, v) in spec {
                match k.as_str() {
                    "fg" | "bg" => match colour(v) {
                        Some(c) if k == "fg" => style = style.fg(c),
                        Some(c) => style = style.bg(c),
                        None => errors.push(err(
                            line_of(text, role),
                            format!("style '{role}': {k} {v} is not a colour or palette name"),
                        )),
                    },
                    "bold" | "italic" | "underline" | "reversed" | "dim" => {
                        let m = match k.as_str() {
                            "bold" => Modifier::BOLD,
                            "italic" => Modifier::ITALIC,
                            "underline" => Modifier::UNDERLINED,
                            "reversed" => Modifier::REVERSED,
                            _ => Modifier::DIM,
                        };
                        if v.as_bool() == Some(true) {
                            style = style.add_modifier(m);
                        }
                    }
                    other => errors.push(err(
                        line_of(text, role),
                        format!("style '{role}': unknown attribute '{other}'"),
                    )),
                }
            }
            theme.styles.insert(role.clone(), style);
        }
    }
    (theme, errors)
}

/// Loads a theme by name: built-in, or `<dir>/themes/<name>.toml` (which may inherit a
/// built-in). Errors are returned; the dark theme is used when the named one cannot be read.
pub fn load_theme(name: &str, user_dir: Option<&Path>, no_color: bool) -> (Theme, Vec<ThemeError>) {
    let dark = || parse_into(Theme::default(), "themes/dark.toml", BUILTIN[0].1, 0).0;
    let (theme, errors) = match builtin(name) {
        Some(text) => parse_into(Theme::default(), &format!("themes/{name}.toml"), text, 0),
        None => match user_dir.map(|d| d.join("themes").join(format!("{name}.toml"))) {
            Some(path) => match std::fs::read_to_string(&path) {
                Ok(text) => {
                    let (t, e) = parse_into(dark(), &path.display().to_string(), &text, 0);
                    if e.is_empty() { (t, e) } else { (dark(), e) }
                }
                Err(e) => (
                    dark(),
                    vec![ThemeError {
                        file: path.display().to_string(),
                        line: 0,
                        message: format!("theme '{name}' not found: {e}"),
                    }],
                ),
            },
            None => (
                dark(),
                vec![ThemeError {
                    file: name.into(),
                    line: 0,
                    message: "no such built-in theme".into(),
                }],
            ),
        },
    };
    if no_color {
        (theme.without_colour(), errors)
    } else {
        (theme, errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtins_parse_and_roles_fall_back_to_prefix() {
        for (name, _) in BUILTIN {
            let (_, errors) = load_theme(name, None, false);
            assert!(errors.is_empty(), "{name}: {errors:?}");
        }
        let (t, _) = load_theme("dark", None, false);
        assert_eq!(
            t.style("severity.critical.extra"),
            t.style("severity.critical")
        );
        assert!(t.style("severity.critical").fg.is_some());
    }

    #[test]
    fn no_color_keeps_meaning_in_modifiers() {
        let (t, _) = load_theme("dark", None, true);
        let s = t.style("row.selected");
        assert!(s.fg.is_none() && s.bg.is_none());
        assert!(s.add_modifier.contains(Modifier::REVERSED));
        assert!(
            t.style("severity.critical")
                .add_modifier
                .contains(Modifier::BOLD)
        );
    }

    #[test]
    fn bad_colour_is_reported_with_line() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("themes")).unwrap();
        std::fs::write(
            dir.path().join("themes/mine.toml"),
            "inherits = \"dark\"\n[styles]\n\"title\" = { fg = \"not-a-colour\" }\n",
        )
        .unwrap();
        let (t, errors) = load_theme("mine", Some(dir.path()), false);
        assert_eq!(errors.len(), 1);
        assert!(
            errors[0].to_string().contains("mine.toml:3"),
            "{}",
            errors[0]
        );
        assert!(t.style("title").fg.is_some(), "falls back to dark");
    }
}

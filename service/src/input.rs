//! Validated inputs: a form's strings become these newtypes before they reach a
//! service, so a service never sees an empty tweet or a 2,000-character username.

/// Why an input was refused; the message is fit to show to the person who typed it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    #[error("{field} can't be blank")]
    Blank { field: &'static str },
    #[error("{field} is too long (at most {max} characters)")]
    TooLong { field: &'static str, max: usize },
    #[error("{field} is invalid: {why}")]
    Invalid {
        field: &'static str,
        why: &'static str,
    },
    /// A NUL, an escape or another control character: refused on every backend alike
    /// (PostgreSQL cannot store NUL in text; SQLite and MariaDB would, silently).
    #[error("{field} contains a control character ({found}); remove it and try again")]
    ControlCharacter {
        field: &'static str,
        /// The character as `U+XXXX`.
        found: String,
    },
}

/// Which line breaks a field accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lines {
    /// One line: every control character is refused (names, addresses).
    One,
    /// Text a person writes in a box: line feeds, carriage returns and tabs are kept.
    Many,
}

/// Trims `raw`, refuses control characters, blank or invisible-only text and more
/// than `max` characters, in that order.
fn bounded(field: &'static str, raw: &str, max: usize, lines: Lines) -> Result<String, InputError> {
    if let Some(c) = raw
        .chars()
        .find(|&c| c.is_control() && !(lines == Lines::Many && matches!(c, '\n' | '\r' | '\t')))
    {
        return Err(InputError::ControlCharacter {
            field,
            found: format!("U+{:04X}", u32::from(c)),
        });
    }
    let text = raw.trim();
    if text.chars().all(|c| c.is_whitespace() || is_invisible(c)) {
        return Err(InputError::Blank { field });
    }
    if text.chars().count() > max {
        return Err(InputError::TooLong { field, max });
    }
    Ok(text.to_owned())
}

/// Characters that print as nothing and are not whitespace to `char::is_whitespace`:
/// zero-width spaces and joiners, direction marks, the byte-order mark, soft hyphens,
/// variation selectors, fillers and tags. Text made only of these (and spaces) looks
/// empty, so it is refused as blank. (Unicode's `Default_Ignorable_Code_Point` set,
/// plus the Braille and Hangul blanks that fonts draw as nothing.)
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{061C}'
            | '\u{115F}'
            | '\u{1160}'
            | '\u{17B4}'
            | '\u{17B5}'
            | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{2800}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{FFF0}'..='\u{FFF8}'
            | '\u{1BCA0}'..='\u{1BCA3}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0000}'..='\u{E0FFF}'
    )
}

macro_rules! text_newtype {
    ($(#[$doc:meta])* $name:ident, $field:literal, $max:expr, $lines:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name(String);

        impl $name {
            pub const MAX: usize = $max;

            /// Trims `raw` and checks it is 1..=MAX visible characters with no
            /// control characters (line breaks and tabs allowed in text boxes).
            ///
            /// # Errors
            /// [`InputError::ControlCharacter`], [`InputError::Blank`] or
            /// [`InputError::TooLong`].
            pub fn parse(raw: &str) -> Result<Self, InputError> {
                bounded($field, raw, Self::MAX, $lines).map(Self)
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
    };
}

text_newtype!(
    /// A tweet's content: 1..=280 characters after trimming.
    TweetBody, "tweet", 280, Lines::Many
);
text_newtype!(
    /// A direct message's body: 1..=1000 characters after trimming.
    MessageBody, "message", 1000, Lines::Many
);
text_newtype!(
    /// How the user page greets someone ("Hi, {salutation}").
    Salutation, "salutation", 60, Lines::One
);
text_newtype!(
    /// A name in the has_many :through lessons (item, doctor, patient, artist, genre, song).
    Name, "name", 120, Lines::One
);

/// 3..=30 characters of ASCII letters, digits and underscores.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    pub const MAX: usize = 30;

    /// # Errors
    /// [`InputError`] naming what is wrong.
    pub fn parse(raw: &str) -> Result<Self, InputError> {
        let name = bounded("username", raw, Self::MAX, Lines::One)?;
        if name.chars().count() < 3 {
            return Err(InputError::Invalid {
                field: "username",
                why: "at least 3 characters",
            });
        }
        if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(InputError::Invalid {
                field: "username",
                why: "only letters, digits and underscores",
            });
        }
        Ok(Self(name))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An email address: something@something.something, at most 254 characters, stored
/// lower-cased so uniqueness ignores case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub const MAX: usize = 254;

    /// # Errors
    /// [`InputError`] naming what is wrong.
    pub fn parse(raw: &str) -> Result<Self, InputError> {
        let email = bounded("email", raw, Self::MAX, Lines::One)?.to_ascii_lowercase();
        let valid = email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !email.chars().any(char::is_whitespace)
        });
        if !valid {
            return Err(InputError::Invalid {
                field: "email",
                why: "not an email address",
            });
        }
        Ok(Self(email))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tweet_bodies_are_trimmed_and_bounded() {
        assert_eq!(TweetBody::parse("  hi  ").unwrap().as_str(), "hi");
        assert_eq!(
            TweetBody::parse("   "),
            Err(InputError::Blank { field: "tweet" })
        );
        assert!(
            TweetBody::parse(&"é".repeat(280)).is_ok(),
            "280 characters, not bytes"
        );
        assert_eq!(
            TweetBody::parse(&"a".repeat(281)),
            Err(InputError::TooLong {
                field: "tweet",
                max: 280
            })
        );
    }

    #[test]
    fn message_bodies_allow_a_thousand_characters() {
        assert!(MessageBody::parse(&"a".repeat(1000)).is_ok());
        assert!(MessageBody::parse(&"a".repeat(1001)).is_err());
        assert!(MessageBody::parse("").is_err());
    }

    #[test]
    fn usernames_and_emails_are_checked() {
        assert!(Username::parse("ann_1").is_ok());
        assert!(Username::parse("an").is_err());
        assert!(Username::parse("ann smith").is_err());
        assert!(Username::parse("<script>").is_err());
        assert_eq!(
            Email::parse(" Ann@Example.COM ").unwrap().as_str(),
            "ann@example.com"
        );
        assert!(Email::parse("ann@example").is_err());
        assert!(Email::parse("@example.com").is_err());
    }

    #[test]
    fn control_characters_are_refused_naming_the_field_and_the_character() {
        assert_eq!(
            TweetBody::parse("a\0b"),
            Err(InputError::ControlCharacter {
                field: "tweet",
                found: "U+0000".into()
            })
        );
        assert!(MessageBody::parse("escape \u{1b}[31m").is_err());
        assert!(MessageBody::parse("C1 \u{85} next line").is_err());
        assert_eq!(
            Username::parse("ann\n").unwrap_err(),
            InputError::ControlCharacter {
                field: "username",
                found: "U+000A".into()
            }
        );
        assert!(Salutation::parse("Dear\tAnn").is_err(), "one line");
        assert!(Email::parse("ann@example.com\0").is_err());
    }

    #[test]
    fn text_boxes_keep_line_breaks_and_tabs() {
        assert_eq!(
            MessageBody::parse("line one\r\nline two\tend")
                .unwrap()
                .as_str(),
            "line one\r\nline two\tend"
        );
        assert_eq!(TweetBody::parse("a\nb").unwrap().as_str(), "a\nb");
    }

    #[test]
    fn invisible_only_text_is_blank() {
        for raw in [
            "\u{200B}",
            " \u{200B}\u{FEFF} ",
            "\u{2060}\n\u{00AD}",
            "\u{3164}",
        ] {
            assert_eq!(
                TweetBody::parse(raw),
                Err(InputError::Blank { field: "tweet" }),
                "{raw:?}"
            );
        }
        assert!(TweetBody::parse("\u{200B}hi").is_ok(), "visible text stays");
        assert!(TweetBody::parse("👍🏽").is_ok(), "emoji are not blank");
    }
}

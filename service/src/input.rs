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
}

fn bounded(field: &'static str, raw: &str, max: usize) -> Result<String, InputError> {
    let text = raw.trim();
    if text.is_empty() {
        return Err(InputError::Blank { field });
    }
    if text.chars().count() > max {
        return Err(InputError::TooLong { field, max });
    }
    Ok(text.to_owned())
}

macro_rules! text_newtype {
    ($(#[$doc:meta])* $name:ident, $field:literal, $max:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name(String);

        impl $name {
            pub const MAX: usize = $max;

            /// Trims `raw` and checks it is 1..=MAX characters.
            ///
            /// # Errors
            /// [`InputError::Blank`] or [`InputError::TooLong`].
            pub fn parse(raw: &str) -> Result<Self, InputError> {
                bounded($field, raw, Self::MAX).map(Self)
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
    };
}

text_newtype!(
    /// A tweet's content: 1..=280 characters after trimming.
    TweetBody, "tweet", 280
);
text_newtype!(
    /// A direct message's body: 1..=1000 characters after trimming.
    MessageBody, "message", 1000
);
text_newtype!(
    /// How the user page greets someone ("Hi, {salutation}").
    Salutation, "salutation", 60
);
text_newtype!(
    /// A name in the has_many :through lessons (item, doctor, patient, artist, genre, song).
    Name, "name", 120
);

/// 3..=30 characters of ASCII letters, digits and underscores.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    pub const MAX: usize = 30;

    /// # Errors
    /// [`InputError`] naming what is wrong.
    pub fn parse(raw: &str) -> Result<Self, InputError> {
        let name = bounded("username", raw, Self::MAX)?;
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
        let email = bounded("email", raw, Self::MAX)?.to_ascii_lowercase();
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
}
